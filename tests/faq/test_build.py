"""`python -m bot faq build`: Rasa training data, reproducible, with contacts filled in."""

from __future__ import annotations

from pathlib import Path

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.cli import main
from bot.faq.build import ordered_entries, render_answer, render_training_data
from bot.faq.catalog import load_catalog
from bot.faq.corpus import load_corpus, normalized_question

ROOT = Path(__file__).resolve().parents[2]


def build(tmp_path: Path) -> Path:
    output = tmp_path / "faq.yml"
    assert main(["faq", "build", "--corpus", "faq_corpus", "--output", str(output)]) == 0
    return output


def test_committed_file_is_what_the_corpus_builds(tmp_path):
    output = build(tmp_path)
    assert output.read_text("utf-8") == (ROOT / "data/nlu/faq.yml").read_text("utf-8")


def test_building_twice_gives_the_same_bytes(tmp_path):
    first = build(tmp_path).read_bytes()
    second = build(tmp_path).read_bytes()
    assert first == second


def test_check_flag_detects_a_stale_file(tmp_path):
    output = build(tmp_path)
    output.write_text(output.read_text("utf-8").replace("注文", "ご注文", 1), "utf-8")
    args = ["faq", "build", "--corpus", "faq_corpus", "--output", str(output), "--check"]
    assert main(args) == 1
    build(tmp_path)
    assert main(args) == 0


def test_output_is_rasa_training_data_with_a_response_per_entry(tmp_path):
    data = RasaYAMLReader().read(build(tmp_path))
    catalog = load_catalog(ROOT / "faq_catalog.yml")
    intents = {m.get("intent_response_key") for m in data.training_examples}
    assert intents == {f"faq/{faq_id}" for faq_id in catalog.entries}
    assert set(data.responses) == {f"utter_faq/{faq_id}" for faq_id in catalog.entries}


def test_test_questions_never_reach_the_training_data(tmp_path):
    data = RasaYAMLReader().read(build(tmp_path))
    trained = {normalized_question(m.get("text")) for m in data.training_examples}
    for corpus_file in load_corpus(ROOT / "faq_corpus"):
        for entry in corpus_file.entries:
            assert normalized_question(entry.question) in trained
            for test in entry.tests:
                assert normalized_question(test.text) not in trained, test.text


def test_contacts_are_filled_in_from_the_catalog(tmp_path):
    catalog = load_catalog(ROOT / "faq_catalog.yml")
    rendered = render_answer("{billing_center}へご連絡ください。", catalog.contacts)
    assert rendered.startswith("ビリングカスタマセンタ 0120-047-128")
    assert "9:00~17:00" in rendered
    data = RasaYAMLReader().read(build(tmp_path))
    answer = data.responses["utter_faq/cancellation_fee"][0]["text"]
    assert "0120-003300" in answer and "{" not in answer


def test_other_corpus_folders_build_without_the_catalog(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "shop.yml").write_text(
        "category: shop\nentries:\n"
        "  - id: opening_hours\n    title: 営業時間\n    question: 営業時間は?\n"
        "    answer: |-\n      平日9時から17時です。\n    examples: []\n    tests: []\n",
        "utf-8",
    )
    entries = ordered_entries(folder, None)
    text = render_training_data(entries, {}, str(folder))
    data = RasaYAMLReader().reads(text)
    assert [m.get("text") for m in data.training_examples] == ["営業時間は?"]
    assert data.responses["utter_faq/opening_hours"][0]["text"] == "平日9時から17時です。"
