"""What a 3.x resource handler gets: the 4.x ``Ctx`` with the 3.x serializer and the 3.x list pages,
so the 4.x read handlers (users, organizations, collaborations, nodes) serve 3.x shapes as they are.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import UnexpectedError
from simulator.vantage6.v3.serialize import V3Serializer

class V3Ctx(Ctx):
    @property
    def ser(self) -> V3Serializer:
        return self.server.client_serializer

    def page(self, items: Sequence[Any], model: str = "", dump: Callable[[Any], Any] = None,
             *_: Any, **__: Any) -> tuple[Any, int, dict]:
        """``Pagination.from_list`` + ``ServicesResources.response`` of 3.11.1: without ``page``
        every item; a plain list unless ``include=metadata`` asks for ``{"data", "links"}``."""
        items = list(items)
        total = len(items)
        try:
            page = int(self.args["page"]) if self.args.get("page") else 1
            per_page = int(self.args.get("per_page", 10)) if self.args.get("page") else total or 1
        except ValueError:
            raise UnexpectedError()
        if page <= 0 or per_page <= 0:  # AttributeError in the real code: the generic 500
            raise UnexpectedError()
        shown = items[(page - 1) * per_page: page * per_page]
        links = self._links(page, per_page, total, len(shown))
        data = [dump(i) for i in shown]
        headers = {"total-count": total,
                   "Link": ",".join(f"<{url}>; rel={rel}" for rel, url in links.items())}
        body = {"data": data, "links": links} if self.included("metadata") else data
        return body, 200, headers

    def _links(self, page: int, per_page: int, total: int, shown: int) -> dict[str, str]:
        navs = [("first", 1), ("previous", page - 1 if page > 1 else None), ("self", page),
                ("next", page + 1 if (page - 1) * per_page + shown < total else None),
                ("last", int(math.ceil(total / float(per_page))))]
        args = {k: self.args[k] for k in self.args}  # urlencode of a MultiDict: first values
        links = {}
        for rel, number in navs:
            if number:
                args["page"] = number
                links[rel] = f"{self.request.path}?{urlencode(args)}"
        return links
