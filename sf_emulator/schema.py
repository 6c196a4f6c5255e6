"""Describe metadata of the emulated objects: Contact, Topic and TopicAssignment.

Field entries carry the keys of Salesforce's describe result that a client
checks (type, length, createable, updateable, nillable, idLookup,
caseSensitive, filterable ...). The same entries drive validation of writes
and the typing of SOQL filters, so a field behaves as its describe states.
"""

from __future__ import annotations

import copy
import re
import typing as t

TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
    }
)
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"double", "int", "long", "currency", "percent"})
FIELD_TYPES = TEXT_TYPES | ID_TYPES | NUMBER_TYPES | {"boolean", "date", "datetime"}

# Salesforce cannot filter or sort on long text areas (more than 255 characters).
_MAX_FILTERABLE_TEXTAREA = 255

# Fields that the server sets on every object and that a test may not replace.
SYSTEM_FIELDS = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
    }
)

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "long": "xsd:long",
}
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _byte_length(field_type: str, length: int) -> int:
    if field_type in TEXT_TYPES:
        return 3 * length
    if field_type in ID_TYPES:
        return 18
    return 0


def make_field(
    name: str,
    field_type: str,
    label: str,
    **options: t.Any,  # noqa: ANN401 - describe values of any JSON type
) -> dict[str, t.Any]:
    """Build a describe field entry with Salesforce's keys and defaults.

    Options use the describe key names (``length``, ``nillable``,
    ``createable`` ...) and override the defaults, which are those of an
    optional, writable, filterable standard field.
    """
    length = options.pop("length", 18 if field_type in ID_TYPES else 0)
    long_text = field_type == "textarea" and length > _MAX_FILTERABLE_TEXTAREA
    field: dict[str, t.Any] = {
        "name": name,
        "type": field_type,
        "label": label,
        "length": length,
        "byteLength": _byte_length(field_type, length),
        "nillable": True,
        "createable": True,
        "updateable": True,
        "custom": name.endswith("__c"),
        "idLookup": False,
        "caseSensitive": False,
        "externalId": False,
        "unique": False,
        "filterable": not long_text,
        "sortable": not long_text,
        "groupable": not long_text and field_type not in NUMBER_TYPES,
        "defaultedOnCreate": False,
        "calculated": False,
        "nameField": False,
        "autoNumber": False,
        "htmlFormatted": False,
        "defaultValue": None,
        "precision": 18 if field_type in NUMBER_TYPES - {"int", "long"} else 0,
        "scale": 2 if field_type in {"currency", "percent"} else 0,
        "digits": 9 if field_type == "int" else 0,
        "picklistValues": [],
        "restrictedPicklist": False,
        "referenceTo": [],
        "relationshipName": None,
        "polymorphicForeignKey": False,
        "soapType": _SOAP_TYPES.get(field_type, "xsd:string"),
    }
    field.update(options)
    return field


def _id_field(label: str) -> dict[str, t.Any]:
    return make_field(
        "Id",
        "id",
        label,
        nillable=False,
        createable=False,
        updateable=False,
        idLookup=True,
        defaultedOnCreate=True,
        groupable=True,
    )


def _read_only(
    name: str,
    field_type: str,
    label: str,
    **options: t.Any,  # noqa: ANN401 - describe values of any JSON type
) -> dict[str, t.Any]:
    options.setdefault("nillable", False)
    options.setdefault("defaultedOnCreate", True)
    return make_field(
        name, field_type, label, createable=False, updateable=False, **options
    )


def _audit_fields(*, with_last_modified: bool) -> list[dict[str, t.Any]]:
    user = {"referenceTo": ["User"]}
    fields = [
        _read_only("CreatedDate", "datetime", "Created Date"),
        _read_only(
            "CreatedById",
            "reference",
            "Created By ID",
            relationshipName="CreatedBy",
            **user,
        ),
    ]
    if with_last_modified:
        fields += [
            _read_only("LastModifiedDate", "datetime", "Last Modified Date"),
            _read_only(
                "LastModifiedById",
                "reference",
                "Last Modified By ID",
                relationshipName="LastModifiedBy",
                **user,
            ),
        ]
    fields.append(_read_only("SystemModstamp", "datetime", "System Modstamp"))
    return fields


def _contact_fields() -> list[dict[str, t.Any]]:
    return [
        _id_field("Contact ID"),
        _read_only("IsDeleted", "boolean", "Deleted"),
        make_field("LastName", "string", "Last Name", length=80, nillable=False),
        make_field("FirstName", "string", "First Name", length=40),
        _read_only(
            "Name",
            "string",
            "Full Name",
            length=121,
            nameField=True,
            defaultedOnCreate=False,
        ),
        # NOTE: idLookup on Contact.Email is likely but unconfirmed.
        make_field("Email", "email", "Email", length=80, idLookup=True),
        make_field("Phone", "phone", "Business Phone", length=40),
        make_field("MailingStreet", "textarea", "Mailing Street", length=255),
        make_field("MailingCity", "string", "Mailing City", length=40),
        make_field("MailingState", "string", "Mailing State/Province", length=80),
        make_field("MailingPostalCode", "string", "Mailing Zip/Postal Code", length=20),
        make_field("MailingCountry", "string", "Mailing Country", length=80),
        make_field(
            "OwnerId",
            "reference",
            "Owner ID",
            nillable=False,
            defaultedOnCreate=True,
            referenceTo=["User"],
            relationshipName="Owner",
        ),
        *_audit_fields(with_last_modified=True),
    ]


def _topic_fields() -> list[dict[str, t.Any]]:
    # Topic has no IsDeleted or LastModifiedDate field in its describe.
    return [
        _id_field("Topic ID"),
        # NOTE: the Topic.Name length of 99 comes from the field reference and
        # is not re-verified against a live describe.
        make_field(
            "Name",
            "string",
            "Topic Name",
            length=99,
            nillable=False,
            idLookup=True,
            nameField=True,
        ),
        make_field("Description", "textarea", "Description", length=1000),
        _read_only("TalkingAbout", "int", "Talking About"),
        _read_only(
            "ManagedTopicType",
            "string",
            "Managed Topic Type",
            length=255,
            nillable=True,
        ),
        *_audit_fields(with_last_modified=False),
    ]


def _topic_assignment_fields() -> list[dict[str, t.Any]]:
    return [
        _id_field("Topic Assignment ID"),
        _read_only("IsDeleted", "boolean", "Deleted"),
        make_field(
            "TopicId",
            "reference",
            "Topic ID",
            nillable=False,
            updateable=False,
            referenceTo=["Topic"],
            relationshipName="Topic",
        ),
        make_field(
            "EntityId",
            "reference",
            "Entity ID",
            nillable=False,
            updateable=False,
            referenceTo=["Account", "Case", "Contact", "Lead", "Opportunity"],
            relationshipName="Entity",
            polymorphicForeignKey=True,
        ),
        _read_only("EntityKeyPrefix", "string", "Entity Key Prefix", length=3),
        _read_only("EntityType", "string", "Entity Type", length=80, nillable=True),
        *_audit_fields(with_last_modified=False),
    ]


class SObjectType:
    """One object's describe metadata, with case-insensitive field lookup."""

    def __init__(  # noqa: PLR0913 - the facts of a describe result
        self,
        name: str,
        label: str,
        label_plural: str,
        key_prefix: str,
        fields: list[dict[str, t.Any]],
        *,
        updateable: bool = True,
    ) -> None:
        """Store the object facts and index its fields."""
        self.name = name
        self.label = label
        self.label_plural = label_plural
        self.key_prefix = key_prefix
        self.updateable = updateable
        self._fields: dict[str, dict[str, t.Any]] = {}
        self._by_folded_name: dict[str, str] = {}
        for field in fields:
            self.set_field(field)

    def set_field(self, field: dict[str, t.Any]) -> None:
        """Add a field entry, or replace the one with the same name."""
        existing = self._by_folded_name.get(field["name"].casefold())
        if existing is not None:
            del self._fields[existing]
        self._fields[field["name"]] = field
        self._by_folded_name[field["name"].casefold()] = field["name"]

    def field(self, name: str) -> dict[str, t.Any] | None:
        """Return the field entry for a name in any letter case, or None."""
        canonical = self._by_folded_name.get(name.casefold())
        return None if canonical is None else self._fields[canonical]

    def fields(self) -> list[dict[str, t.Any]]:
        """Return the field entries in describe order."""
        return list(self._fields.values())

    def required_fields(self) -> list[str]:
        """Return the fields a create must set.

        Those are the fields that are not nillable, are createable and get no
        default value.

        NOTE: this is the common reading of describe, not a documented rule.
        """
        return [
            f["name"]
            for f in self._fields.values()
            if not f["nillable"] and f["createable"] and not f["defaultedOnCreate"]
        ]

    def describe(self, version: str) -> dict[str, t.Any]:
        """Return the body of ``GET /sobjects/{name}/describe``."""
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label_plural,
            "keyPrefix": self.key_prefix,
            "custom": False,
            "customSetting": False,
            "createable": True,
            "updateable": self.updateable,
            "deletable": True,
            "undeletable": self.updateable,
            "queryable": True,
            "retrieveable": True,
            "searchable": self.name != "TopicAssignment",
            "triggerable": self.name == "Contact",
            "mergeable": self.name == "Contact",
            "layoutable": self.name == "Contact",
            "feedEnabled": self.name == "Contact",
            "activateable": False,
            "deprecatedAndHidden": False,
            "hasSubtypes": False,
            "isSubtype": False,
            "replicateable": True,
            "childRelationships": [],
            "recordTypeInfos": [],
            "fields": copy.deepcopy(self.fields()),
            "urls": {
                "sobject": base,
                "describe": f"{base}/describe",
                "rowTemplate": f"{base}/{{ID}}",
            },
        }

    def summary(self, version: str) -> dict[str, t.Any]:
        """Return this object's entry in the global describe (``GET /sobjects``)."""
        full = self.describe(version)
        del full["fields"], full["childRelationships"], full["recordTypeInfos"]
        return full


def standard_objects() -> dict[str, SObjectType]:
    """Return fresh describe metadata for the three emulated objects."""
    return {
        "Contact": SObjectType(
            "Contact", "Contact", "Contacts", "003", _contact_fields()
        ),
        "Topic": SObjectType("Topic", "Topic", "Topics", "0TO", _topic_fields()),
        # NOTE: the key prefix 0FT for TopicAssignment is unconfirmed.
        "TopicAssignment": SObjectType(
            "TopicAssignment",
            "Topic Assignment",
            "Topic Assignments",
            "0FT",
            _topic_assignment_fields(),
            updateable=False,
        ),
    }


def normalize_custom_field(field: dict[str, t.Any]) -> dict[str, t.Any]:
    """Validate a field entry given by a test and fill in describe defaults.

    Keys left out get the defaults of an optional, writable field; a text
    field without ``length`` gets 255, and ``byteLength`` follows ``length``.

    Raises:
        ValueError: The name or type is missing or invalid, or ``length`` is
            not a positive integer.
    """
    name = field.get("name")
    field_type = field.get("type")
    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
        msg = f"field name must be an API name such as My_Field__c, not {name!r}"
        raise ValueError(msg)
    if name in SYSTEM_FIELDS:
        msg = f"{name} is a system field and cannot be replaced"
        raise ValueError(msg)
    if field_type not in FIELD_TYPES:
        msg = f"field type must be one of {sorted(FIELD_TYPES)}, not {field_type!r}"
        raise ValueError(msg)
    options = {k: v for k, v in field.items() if k not in {"name", "type", "label"}}
    if field_type in TEXT_TYPES:
        length = options.setdefault("length", 255)
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            msg = f"length of {name} must be a positive integer, not {length!r}"
            raise ValueError(msg)
        options.setdefault("byteLength", 3 * length)
    label = field.get("label") or name.removesuffix("__c").replace("_", " ")
    return make_field(name, field_type, label, **options)
