"""Sharp-move alerts: which watched series moved unusually on a session, by a stated rule.

- ``events``: what an alert is, as typed numbers (no English: every word is in commands/alerts/messages.py);
- ``rules``: the rules, one class each (what it reads and watches, its backstops), and the presets;
- ``evaluate``: judging a rule on a session, replaying it over history, a session's move.
"""
