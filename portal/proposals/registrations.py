"""What proposals bring to the portal's shared mechanisms: moderation, files, read-aloud, the
categories of a new community.
Called from the package's init_app, never at import."""
from __future__ import annotations

from flask import url_for

from . import permissions as perm
from ..communities import services as community_services
from . import queries, readaloud, services


def _files_visible(ctx, community, proposal_id):
    p = queries.load_detail(community, proposal_id)
    if p is None or not perm.can_view(ctx, p):
        return False
    return not p.is_hidden or perm.can_see_hidden_text(ctx, p)


def register() -> None:
    from ..moderation import registry
    from ..uploads.views import register_owner
    from .models import Proposal

    registry.register("proposal", Proposal, url=lambda p: url_for("proposals.detail", proposal_id=p.id),
                      excerpt=lambda p: p.title,
                      url_for_id=lambda i: url_for("proposals.detail", proposal_id=i))
    register_owner("proposal", _files_visible)
    readaloud.register()
    # A new community starts with the default categories (in the same transaction).
    if services.ensure_default_categories not in community_services.ON_COMMUNITY_CREATED:
        community_services.ON_COMMUNITY_CREATED.append(services.ensure_default_categories)
