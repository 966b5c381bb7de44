"""Notifications (通知): case events become outbox messages; channels deliver them.

- :mod:`.events` — which transition tells whom (交办, 临期, 超期, 督办, 退回, 返工, 延期, 随手拍回复);
- :mod:`.messages` — the text of a message (case code, type, place, deadline, link; never a citizen's
  name or phone to a unit);
- :mod:`.hook` — called by the workflow's one transition writer: the outbox rows go in the same transaction;
- :mod:`.sweep` — deadline-approaching reminders and the leaders' 日报/周报;
- :mod:`.sender` — delivery with retries, back-off, quiet hours and dead letters;
- :mod:`.channels` — one plugin per channel kind.
"""
