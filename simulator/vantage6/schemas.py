"""Request-body schemas of the real server (server/resource/common/input_schema.py and
backend/common/resource/input_schema.py), with marshmallow as the real server uses it, so that
``errors`` dicts carry the same keys and messages."""
from __future__ import annotations

import ipaddress
import re
import uuid

from marshmallow import Schema, ValidationError, fields, validates, validates_schema
from marshmallow.validate import Length, OneOf, Range

from simulator.vantage6.permissions import DEFAULT_ROLE_NAMES
from simulator.vantage6.status import STATUS_VALUES

MAX_LEN_NAME = 128
MAX_LEN_STR_LONG = 1024
_MAX_LEN_STR_SHORT = 128
_MAX_LEN_PW = 128


def validate_name(name: str) -> None:
    if not len(name):
        raise ValidationError("Name cannot be empty")
    if name.isnumeric():
        raise ValidationError("Name cannot a number")
    if len(name) > MAX_LEN_NAME:
        raise ValidationError(f"Name cannot be longer than {MAX_LEN_NAME} characters")


def password_problem(pw: str) -> str | None:
    """The password policy (server/model/common/utils.py), as a message or None."""
    if len(pw) < 8:
        return ("Password too short: use at least 8 characters with mixed lowercase, uppercase, "
                "numbers and special characters")
    if len(pw) > 128:
        return "Password too long: use at most 128 characters"
    if re.search("[0-9]", pw) is None:
        return "Password should contain at least one number"
    if re.search("[A-Z]", pw) is None:
        return "Password should contain at least one uppercase letter"
    if re.search("[a-z]", pw) is None:
        return "Password should contain at least one lowercase letter"
    if pw.isalnum():
        return "Password should contain at least one special character"
    return None


def _validate_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationError(problem)


def _validate_organization_ids(organization_ids: list[int]) -> None:
    if not all(i > 0 for i in organization_ids):
        raise ValidationError("Organization ids must be greater than 0")
    if not len(organization_ids) == len(set(organization_ids)):
        raise ValidationError("Organization ids must be unique")
    if not len(organization_ids):
        raise ValidationError("At least one organization id is required")


class _OnlyIdSchema(Schema):
    id = fields.Integer(required=True, validate=Range(min=1))


class _NameValidationSchema(Schema):
    name = fields.String(required=True)

    @validates("name")
    def validate_name(self, name: str, **_):
        validate_name(name)


class _PasswordValidationSchema(Schema):
    password = fields.String(required=True)

    @validates("password")
    def _validate_password(self, password: str, **_):
        _validate_password(password)


class BasicAuthInputSchema(Schema):
    username = fields.String(required=True, validate=Length(min=1, max=MAX_LEN_NAME))
    password = fields.String(required=True, validate=Length(min=1, max=_MAX_LEN_PW))


class TokenUserInputSchema(BasicAuthInputSchema):
    mfa_code = fields.String(validate=Length(max=10))


class TokenNodeInputSchema(Schema):
    api_key = fields.String(required=True)

    @validates("api_key")
    def validate_api_key(self, api_key: str, **_):
        try:
            uuid.UUID(api_key)
        except ValueError:
            raise ValidationError("API key is not a valid UUID")


class TokenAlgorithmInputSchema(Schema):
    task_id = fields.Integer(required=True, validate=Range(min=1))
    image = fields.String(required=True, validate=Length(min=1))


class ChangePasswordInputSchema(Schema):
    current_password = fields.String(required=True, validate=Length(max=_MAX_LEN_PW))
    new_password = fields.String(required=True)

    @validates("new_password")
    def validate_password(self, password: str, **_):
        _validate_password(password)


class CollaborationInputSchema(_NameValidationSchema):
    organization_ids = fields.List(fields.Integer(), required=True)
    encrypted = fields.Boolean(required=True)

    @validates("organization_ids")
    def validate_organization_ids(self, organization_ids, **_):
        _validate_organization_ids(organization_ids)


class OnlyIdSchema(_OnlyIdSchema):
    """Body of /collaboration/{id}/organization, /node, /study/{id}/organization, /kill/*."""


class NodeInputSchema(_NameValidationSchema):
    name = fields.String(required=False)
    collaboration_id = fields.Integer(required=True, validate=Range(min=1))
    organization_id = fields.Integer(validate=Range(min=1))
    ip = fields.String()
    clear_ip = fields.Boolean()

    @validates("ip")
    def validate_ip(self, ip: str, **_):
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise ValidationError("IP address is not valid")


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
    status = fields.String(validate=OneOf(STATUS_VALUES))


class TaskInputSchema(_NameValidationSchema):
    name = fields.String(required=False)
    description = fields.String(validate=Length(max=MAX_LEN_STR_LONG))
    image = fields.String(required=True, validate=Length(min=1))
    collaboration_id = fields.Integer(validate=Range(min=1))
    study_id = fields.Integer(validate=Range(min=1))
    store_id = fields.Integer(validate=Range(min=1))
    server_url = fields.Url()
    organizations = fields.List(fields.Dict(), required=True)
    databases = fields.List(fields.Dict(), allow_none=True)

    @validates_schema
    def validate_collaboration_or_study(self, data: dict, **kwargs) -> None:
        if not ("collaboration_id" in data or "study_id" in data):
            raise ValidationError("Collaboration_id or study_id is required")

    @validates("organizations")
    def validate_organizations(self, organizations: list[dict], **_):
        if not len(organizations):
            raise ValidationError("At least one organization is required")
        for organization in organizations:
            if "id" not in organization:
                raise ValidationError("Organization id is required for each organization")

    @validates("databases")
    def validate_databases(self, databases: list[dict], **_):
        if databases is None:
            return
        for database in databases:
            if "label" not in database:
                raise ValidationError("Database label is required for each database")
            if "preprocessing" in database:
                if not isinstance(database["preprocessing"], list):
                    raise ValidationError("Database preprocessing must be a list of dictionaries")
                for prepro in database["preprocessing"]:
                    if "function" not in prepro:
                        raise ValidationError(
                            f"Database preprocessing {prepro} is missing a 'function'")
            if "arguments" in database:
                if not isinstance(database["arguments"], dict):
                    raise ValidationError("Database arguments must be a dict")
            allowed_keys = {"label", "arguments", "preprocessing", "query", "sheet_name"}
            if not set(database.keys()).issubset(set(allowed_keys)):
                raise ValidationError(
                    f"Database {database} contains unknown keys. Allowed keys are {allowed_keys}.")


class UserInputSchema(_PasswordValidationSchema):
    username = fields.String(required=True, validate=Length(min=3, max=MAX_LEN_NAME))
    email = fields.Email(required=True)
    firstname = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    lastname = fields.String(validate=Length(max=_MAX_LEN_STR_SHORT))
    organization_id = fields.Integer(validate=Range(min=1))
    roles = fields.List(fields.Integer(validate=Range(min=1)))
    rules = fields.List(fields.Integer(validate=Range(min=1)))

    @validates("username")
    def validate_username(self, username: str, **_):
        validate_name(username)
        if re.match("^[a-zA-Z][a-zA-Z0-9._-]+$", username) is None:
            raise ValidationError(
                f"Username {username} is invalid. Only letters, numbers, hyphens and underscores "
                "are allowed, and it should start with a letter.")


class RoleInputSchema(_NameValidationSchema):
    description = fields.String(validate=Length(max=MAX_LEN_STR_LONG))
    rules = fields.List(fields.Integer(validate=Range(min=1)), required=True)
    organization_id = fields.Integer(validate=Range(min=1))

    @validates("name")
    def validate_name(self, name: str, **_):
        # overrides the generic name check, exactly as the real RoleInputSchema does
        if name in DEFAULT_ROLE_NAMES:
            raise ValidationError("Role name cannot be one of the default roles")


class StudyInputSchema(_NameValidationSchema):
    collaboration_id = fields.Integer(required=True, validate=Range(min=1))
    organization_ids = fields.List(fields.Integer(), required=True)

    @validates("organization_ids")
    def validate_organization_ids(self, organization_ids, **_):
        _validate_organization_ids(organization_ids)


SCHEMAS = {name: cls() for name, cls in {
    "token_user": TokenUserInputSchema, "token_node": TokenNodeInputSchema,
    "token_container": TokenAlgorithmInputSchema, "change_password": ChangePasswordInputSchema,
    "collaboration": CollaborationInputSchema, "only_id": OnlyIdSchema, "node": NodeInputSchema,
    "organization": OrganizationInputSchema, "run": RunInputSchema, "task": TaskInputSchema,
    "user": UserInputSchema, "role": RoleInputSchema, "study": StudyInputSchema,
}.items()}


def errors_of(schema: str, data, partial: bool = False) -> dict:
    """``schema.validate(data)`` of the named real schema: {} when valid."""
    return SCHEMAS[schema].validate(data, partial=partial)
