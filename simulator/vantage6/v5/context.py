"""What a 5.x resource handler gets: the 4.x ``Ctx`` with the 5.x serializer, and bodies read
as HQ 5.0.3 reads them (``get_json(silent=True)`` then ``schema.load``)."""
from __future__ import annotations

from typing import Any

from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import invalid_body
from simulator.vantage6.v5.schemas import validate


class V5Ctx(Ctx):
    @property
    def ser(self):
        return self.server.client_serializer

    def body(self) -> Any:
        """``request.get_json(silent=True)``: None unless the body is JSON."""
        return self.request.json_or_none()

    def input(self, schema: str, partial: bool = False) -> Any:
        return self.load(schema, partial=partial)

    def load(self, schema: str, data: Any = ..., partial: bool = False,
             many: bool = False) -> Any:
        """The body (or ``data``) loaded by a 5.x schema; 400 ``Request body is incorrect``
        with marshmallow's errors otherwise."""
        errors, loaded = validate(schema, self.body() if data is ... else data, partial, many)
        if errors:
            raise invalid_body(errors)
        return loaded
