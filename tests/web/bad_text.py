"""Text that breaks naive code, shared by the bad-input properties: emoji, kaomoji and markup."""

EMOJI_AND_KAOMOJI = [
    "😀",
    "👨‍👩‍👧‍👦",
    "🇯🇵",
    "( ̄^ ̄)ゞ",
    "(´・ω・`)",
    "m(_ _)m",
    "＼(^o^)／",
    "ヽ(*´∀`)ノ",
    "(╯°□°）╯︵ ┻━┻",
    "☺︎",
    "1️⃣",
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "'; DROP TABLE turns; --",
    "[解約](faq)",
    "/check_order_status",
    '/check_order_status{"order_number": "ORD-10000001"}',
    "/greet",
]
