"""`python -m bot.retrieval_eval`, the documented command: runs bot.evaluation.retrieval_eval."""

import sys

from bot.evaluation.retrieval_eval import main

if __name__ == "__main__":
    sys.exit(main())
