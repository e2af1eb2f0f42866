"""A node's policies on who may run what, as vantage6-node 4.15.2 checks them before starting a
container (``DockerManager.is_docker_image_allowed``, ``NodeClient.check_user_allowed_to_send_task``).

Scenario form (under a node)::

    policies:
      allowed_algorithms: [harbor2.vantage6.ai/demo/average, "^registry\\.example\\.org/.*"]
      allowed_users: [2, 7]                 # user ids (compared as strings, as the real node does)
      allowed_organizations: [3, example_org2]   # ids, or names looked up through the server
"""
from __future__ import annotations

import re
from typing import Callable, Optional

from simulator.vantage6.runtime.algorithms import image_without_tag

BASIC_PROCESSING_IMAGE = "ghcr.io/vantage6/algorithm-basics:latest"
# the characters the real node takes as a sign that a policy entry is a regular expression
_REGEX_CHARS = ("*", "\\", "?", "$", "^", "[", "]", "(", ")", "{", "}", "|", "+", r"\.")


def is_regex(pattern: str) -> bool:
    return any(c in pattern for c in _REGEX_CHARS)


def user_allowed(policies: dict, init_org_id: int, init_user_id: Optional[int],
                 organization_id_by_name: Callable[[str], Optional[int]]) -> bool:
    allowed_users = [str(u) for u in policies.get("allowed_users") or []]
    allowed_orgs = [str(o) for o in policies.get("allowed_organizations") or []]
    if not allowed_users and not allowed_orgs:
        return True
    if any(str(init_user_id) == user for user in allowed_users):
        return True
    if any(str(init_org_id) == org for org in allowed_orgs):
        return True
    # user names are not looked up: the real node lacks the permission to (disabled upstream)
    return any(organization_id_by_name(name) == init_org_id for name in allowed_orgs)


def algorithm_allowed(policies: dict, image: str, store_id: Optional[int] = None) -> bool:
    allowed = policies.get("allowed_algorithms")
    stores = policies.get("allowed_algorithm_stores")
    whitelisted = False
    if allowed:
        for entry in [allowed] if isinstance(allowed, str) else allowed:
            if is_regex(entry):
                whitelisted = re.compile(entry).match(image) is not None or whitelisted
            elif entry in (image, image_without_tag(image)):
                whitelisted = True
                break
            # same repository, other tag: the real node compares registry digests, which the
            # simulator does not have; such an image counts as different
    # no algorithm stores in the simulator: a store policy never confirms an image
    from_whitelist = not allowed or whitelisted
    from_store = not stores
    if policies.get("allow_either_whitelist_or_store", False):
        return from_whitelist or from_store
    return from_whitelist and from_store


def image_allowed(policies: dict, image: str, init_org_id: int, init_user_id: Optional[int],
                  organization_id_by_name: Callable[[str], Optional[int]]) -> bool:
    """Users/organizations first, then the image, in the real node's order."""
    if not policies:
        return True
    if image.startswith(BASIC_PROCESSING_IMAGE) and not policies.get("allow_basics_algorithm",
                                                                     True):
        return False
    return (user_allowed(policies, init_org_id, init_user_id, organization_id_by_name)
            and algorithm_allowed(policies, image))
