"""The breaking-change check that guards schema.graphql."""

from __future__ import annotations

from dermaga.schema_compat import compare

OLD = """
type Query { shipment(id: ID!): Shipment }
type Shipment { id: ID! reference: String! status: Status! }
enum Status { DRAFT SUBMITTED }
"""


def test_a_removed_field_is_breaking_unless_intended() -> None:
    new = OLD.replace("reference: String! ", "")

    assert compare(OLD, new, intended=False).ok is False
    assert compare(OLD, new, intended=True).ok is True
    assert (
        "Shipment.reference was removed"
        in compare(OLD, new, intended=False).breaking[0]
    )


def test_an_added_field_is_fine_and_an_added_enum_value_is_dangerous() -> None:
    new = OLD.replace("status: Status!", "status: Status! blNumber: String").replace(
        "DRAFT SUBMITTED", "DRAFT SUBMITTED VERIFIED"
    )

    verdict = compare(OLD, new, intended=False)

    assert verdict.ok is True
    assert verdict.breaking == []
    assert any("VERIFIED" in change for change in verdict.dangerous)
