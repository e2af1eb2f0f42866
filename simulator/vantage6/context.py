"""What a resource handler gets: the server's state, the caller, and the request's arguments."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from werkzeug.datastructures import MultiDict

from simulator.core.http import Request
from simulator.vantage6.errors import NotFound, invalid_body
from simulator.vantage6.pagination import Page, paginate
from simulator.vantage6.permissions import Caller, RuleCollection
from simulator.vantage6.schemas import errors_of

if TYPE_CHECKING:
    from simulator.vantage6.server import Vantage6Server


@dataclass
class Ctx:
    server: "Vantage6Server"
    request: Request
    caller: Optional[Caller]

    @property
    def state(self):
        return self.server.state

    @property
    def ser(self):
        return self.server.serializer

    @property
    def args(self) -> MultiDict:
        return self.request.args

    @property
    def user(self):
        return self.caller.user if self.caller else None

    def json(self) -> Any:
        return self.request.json()

    def rules(self, resource: str) -> RuleCollection:
        return self.caller.rules(resource)

    def included(self, field: str) -> bool:
        """``is_included``: ``include`` may repeat and hold comma-separated values."""
        return field in [v for item in self.args.getlist("include") for v in item.split(",")]

    def input(self, schema: str, partial: bool = False) -> Any:
        """The request body checked by ``schema``, read as this version's server reads it
        (4.x: ``request.get_json()``, then ``schema.validate``; 5.x overrides)."""
        return self.validated(schema, self.json(), partial=partial)

    def validated(self, schema: str, data: Any, partial: bool = False) -> Any:
        errors = errors_of(schema, data, partial=partial)
        if errors:
            raise invalid_body(errors)
        return data

    def page(self, items, model: str, dump, sort_is_primary: bool = True,
             paginate_: bool = True, joined: tuple = ()) -> tuple[dict, int, dict]:
        page: Page = paginate(items, self.args, self.request.path, model, self.state,
                              sort_is_primary=sort_is_primary, paginate_=paginate_, joined=joined)
        return {"data": [dump(i) for i in page.items], "links": page.links}, 200, page.headers

    def get_or_404(self, table: dict, id_: int, msg: str):
        record = table.get(id_)
        if record is None:
            raise NotFound(msg)
        return record
