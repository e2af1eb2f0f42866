"""Request-body schemas of HQ 5.0.3 (hq/resource/common/input_schema.py, hq/dataclass.py and
backend/common/resource/input_schema.py), ported to marshmallow as HQ uses them: ``load()`` with
unknown keys refused, so ``errors`` carry the real keys and messages.

``validate(name, data)`` returns marshmallow's errors dict (empty when the body is fine) and the
loaded data (defaults filled in).
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates, validates_schema
from marshmallow.validate import Length, OneOf, Range

from simulator.vantage6.schemas import MAX_LEN_NAME, MAX_LEN_STR_LONG, password_problem, validate_name
from simulator.vantage6.v5.status import ACTIONS, RUN_STATUSES

_MAX_LEN_STR_SHORT = 128
SESSION_STATE_FILENAME = "session_state"
DEFAULT_API_PATH = "/api"
DATAFRAME, SOURCE = "dataframe", "source"


def _validate_organization_ids(organization_ids: list[int]) -> None:
    if not all(i > 0 for i in organization_ids):
        raise ValidationError("Organization ids must be greater than 0")
    if not len(organization_ids) == len(set(organization_ids)):
        raise ValidationError("Organization ids must be unique")
    if not len(organization_ids):
        raise ValidationError("At least one organization id is required")


def _validate_organizations(organizations: list[dict]) -> None:
    if not len(organizations):
        raise ValidationError("At least one organization is required")
    for organization in organizations:
        if "id" not in organization:
            raise ValidationError("Organization id is required for each organization")


def task_database(database: dict) -> dict:
    """``CreateTaskDB.from_dict``: a task database as HQ accepts it. An unknown ``type`` is a
    ValueError (not a validation error): the real code then fails with a 500."""
    if "type" not in database:
        raise ValidationError("Each database must have a 'type' key")
    if database["type"] == DATAFRAME and not database.get("dataframe_id"):
        raise ValidationError("Database of type 'dataframe' must have a 'dataframe_id' key")
    elif database["type"] != DATAFRAME and not database.get("label"):
        raise ValidationError(f"Database of type '{database['type']}' must have a 'label' key")
    if not set(database.keys()).issubset({"type", "label", "dataframe_id"}):
        raise ValidationError(f"Database {database} contains unknown keys. Allowed keys are "
                              "{'label', 'type', 'dataframe_id'}.")
    if database["type"] not in (SOURCE, DATAFRAME):
        raise ValueError(f"{database['type']!r} is not a valid TaskDatabaseType")
    return {"label": database.get("label"), "type": database["type"],
            "dataframe_id": database.get("dataframe_id")}


class _OnlyIdSchema(Schema):
    id = fields.Integer(required=True, validate=Range(min=1))


class _NameValidationSchema(Schema):
    name = fields.String(required=True)

    @validates("name")
    def validate_name(self, name: str, **_: Any) -> None:
        validate_name(name)


class CollaborationInputSchema(_NameValidationSchema):
    organization_ids = fields.List(fields.Integer(), required=True)
    encrypted = fields.Boolean(required=True)
    session_restrict_to_same_image = fields.Boolean(load_default=0)

    @validates("organization_ids")
    def validate_organization_ids(self, organization_ids, **_: Any) -> None:
        _validate_organization_ids(organization_ids)


class NodeInputSchema(_NameValidationSchema):
    name = fields.String(required=False)
    collaboration_id = fields.Integer(required=True, validate=Range(min=1))
    organization_id = fields.Integer(validate=Range(min=1))


class OrganizationInputSchema(_NameValidationSchema):
    address1 = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    address2 = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    zipcode = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    country = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    domain = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    public_key = fields.String()


class RunInputSchema(Schema):
    started_at = fields.DateTime()
    finished_at = fields.DateTime()
    log = fields.String()
    result = fields.String()
    status = fields.String(validate=OneOf(RUN_STATUSES))


class TaskInputSchema(_NameValidationSchema):
    name = fields.String()
    description = fields.String(validate=Length(max=MAX_LEN_STR_LONG))
    image = fields.String(required=True, validate=Length(min=1))
    method = fields.String(required=True)
    collaboration_id = fields.Integer(validate=Range(min=1))
    study_id = fields.Integer(validate=Range(min=1))
    store_id = fields.Integer(validate=Range(min=1))
    depends_on_ids = fields.List(fields.Integer(validate=Range(min=1), required=False),
                                 load_default=[])
    organizations = fields.List(fields.Dict(), required=True)
    databases = fields.List(fields.List(fields.Dict()), allow_none=True)
    session_id = fields.Integer(validate=Range(min=1), required=True)
    dataframe_id = fields.Integer(validate=Range(min=1))
    action = fields.String(validate=OneOf(ACTIONS))

    @validates_schema
    def validate_schema(self, data: dict, **_: Any) -> None:
        if not ("collaboration_id" in data or "study_id" in data):
            raise ValidationError("Collaboration_id or study_id is required")

    @validates("organizations")
    def validate_organizations(self, organizations: list[dict], **_: Any) -> None:
        _validate_organizations(organizations)

    @validates("databases")
    def validate_databases(self, databases, **_: Any) -> None:
        if databases is None:
            return  # some algorithms don't use any database
        if isinstance(databases, list) and databases and not isinstance(databases[0], list):
            raise ValidationError("Databases must be a list of lists of dictionaries or None")
        [task_database(db) for group in databases for db in group]  # noqa: B018


class TokenAlgorithmInputSchema(Schema):
    task_id = fields.Integer(required=True, validate=Range(min=1))
    image = fields.String(required=True, validate=Length(min=1))


def _validate_username(username: str) -> None:
    validate_name(username)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9._-]+$", username) is None:
        raise ValidationError(
            f"Username {username} is invalid. Only letters, numbers, hyphens and "
            "underscores are allowed, and it should start with a letter.")


class UserInputSchema(Schema):
    username = fields.String(required=True, validate=Length(min=3, max=MAX_LEN_NAME))
    password = fields.String()
    organization_id = fields.Integer(validate=Range(min=1))
    roles = fields.List(fields.Integer(validate=Range(min=1)))
    rules = fields.List(fields.Integer(validate=Range(min=1)))
    is_service_account = fields.Boolean(required=False, load_default=False)

    @validates("username")
    def validate_username(self, username: str, **_: Any) -> None:
        _validate_username(username)

    @validates("password")
    def _validate_password(self, password: str, **_: Any) -> None:
        problem = password_problem(password)
        if problem:
            raise ValidationError(problem)


class UserEditInputSchema(UserInputSchema):
    class Meta:
        fields = ("roles", "rules")


class DeleteDependentsInputSchema(Schema):
    delete_dependents = fields.Boolean()


class AlgorithmStoreInputSchema(Schema):
    name = fields.String(required=True)
    algorithm_store_url = fields.Url(required=True)
    api_path = fields.String(required=False, load_default=DEFAULT_API_PATH)
    collaboration_id = fields.Integer(validate=Range(min=1))


class StudyInputSchema(_NameValidationSchema):
    collaboration_id = fields.Integer(required=True, validate=Range(min=1))
    organization_ids = fields.List(fields.Integer(), required=True)

    @validates("organization_ids")
    def validate_organization_ids(self, organization_ids, **_: Any) -> None:
        _validate_organization_ids(organization_ids)


class SessionTaskInputSchema(Schema):
    image = fields.String(required=True)
    store_id = fields.Integer(validate=Range(min=1))
    method = fields.String(required=True)
    organizations = fields.List(fields.Dict(), required=True)

    @validates("organizations")
    def validate_organizations(self, organizations: list[dict], **_: Any) -> None:
        _validate_organizations(organizations)


class SessionInputSchema(Schema):
    name = fields.String(allow_none=True)
    collaboration_id = fields.Integer(required=True, validate=Range(min=1))
    study_id = fields.Integer(validate=Range(min=1), allow_none=True)
    scope = fields.String(required=True)

    @validates("scope")
    def validate_scope(self, scope: str, **_: Any) -> None:
        # the real message prints a Python set, whose order varies per process
        if scope not in ("own", "organization", "collaboration"):
            raise ValidationError(
                f"Session scope '{scope}' is not valid. Allowed values are: "
                "{'own', 'organization', 'collaboration'}.")


class DataframeInitInputSchema(Schema):
    label = fields.String(required=True)
    name = fields.String()
    task = fields.Nested(SessionTaskInputSchema, required=True)

    @validates("name")
    def validate_name(self, name: str, **_: Any) -> None:
        if not re.match(r"^[a-zA-Z0-9-_]+$", name):
            raise ValidationError("Dataframe name must contain only letters, numbers, hyphens "
                                  "and underscores")
        if name == SESSION_STATE_FILENAME:
            raise ValidationError(
                f"Dataframe name cannot be '{SESSION_STATE_FILENAME}'. This name is reserved as "
                "it is used to track the status of the session.")


class DataframePreprocessingInputSchema(Schema):
    dataframe_id = fields.Integer(required=True, validate=Range(min=1))
    task = fields.Nested(SessionTaskInputSchema, required=True)


class DataframeNodeUpdateSchema(Schema):
    name = fields.String(required=True)
    dtype = fields.String(required=True)


class RoleInputSchema(_NameValidationSchema):
    description = fields.String(validate=Length(max=MAX_LEN_STR_LONG))
    rules = fields.List(fields.Integer(validate=Range(min=1)), required=True)
    organization_id = fields.Integer(validate=Range(min=1))

    @validates("name")
    def validate_name(self, name: str, **_: Any) -> None:
        from simulator.vantage6.permissions import DEFAULT_ROLE_NAMES

        # this replaces the name checks of the base schema (same method name), as in the real one
        if name in DEFAULT_ROLE_NAMES:
            raise ValidationError("Role name cannot be one of the default roles")


SCHEMAS: dict[str, Schema] = {name: cls() for name, cls in {
    "collaboration": CollaborationInputSchema, "node": NodeInputSchema,
    "organization": OrganizationInputSchema, "run": RunInputSchema, "task": TaskInputSchema,
    "token_algorithm": TokenAlgorithmInputSchema, "user": UserInputSchema,
    "user_edit": UserEditInputSchema, "delete_dependents": DeleteDependentsInputSchema,
    "algorithm_store": AlgorithmStoreInputSchema, "study": StudyInputSchema,
    "session": SessionInputSchema, "dataframe_init": DataframeInitInputSchema,
    "dataframe_preprocess": DataframePreprocessingInputSchema,
    "dataframe_column": DataframeNodeUpdateSchema, "role": RoleInputSchema,
    "only_id": _OnlyIdSchema,
}.items()}


def validate(name: str, data: Any, partial: bool = False, many: bool = False
             ) -> tuple[dict, Any]:
    """``schema.load(data)``: (errors, loaded). Loading a body that is not a mapping gives
    ``{"_schema": ["Invalid input type."]}``, as marshmallow does."""
    try:
        return {}, SCHEMAS[name].load(data, partial=partial, many=many)
    except ValidationError as exc:
        errors = exc.messages
        return (errors if isinstance(errors, dict) else {"_schema": errors}), None
