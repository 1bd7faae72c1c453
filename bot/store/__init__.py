"""The order/contract store: the only code that speaks SQL.

The rest of the bot asks a `Store` and gets frozen views back:

    engine = make_engine()          # DATABASE_URL, else var/store.sqlite3
    ensure_seeded(engine)           # migrate, and load the demo data into an empty store
    store = Store(engine)
    store.order_for("yamada", "ORD-10000001")
"""

from bot.store.database import make_engine
from bot.store.journal import Journal, TurnRecord
from bot.store.migrations import upgrade
from bot.store.repository import Store
from bot.store.seed import ensure_seeded
from bot.store.views import Account, ContractView, InvoiceView, OrderView, UserView

__all__ = [
    "Account",
    "Journal",
    "TurnRecord",
    "ContractView",
    "InvoiceView",
    "OrderView",
    "Store",
    "UserView",
    "ensure_seeded",
    "make_engine",
    "upgrade",
]
