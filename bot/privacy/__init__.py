"""Customers' personal data: masked before it is stored, kept no longer than needed, exported
and erased on request.

- `detect`: what must not be stored in a chat message, and the masked text (pure functions);
- `notice`: the polite warning the customer gets, once a conversation;
- `retention`: the purge of old conversation log rows and Rasa tracker events;
- `rights`: one customer's export and erasure;
- `commands`: `python -m bot data purge|export|erase`, each run written to the audit log.
"""
