"""One moderation mechanism for every kind of user content: flag, hide, restore.

Content models mix in Hideable and register with `register()`; hidden content is
kept, not deleted, and shown as "hidden by the committee: reason".
"""
