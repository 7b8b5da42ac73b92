"""Write extra sample sets under tests/fixtures/documents, in layouts of their own.

Run `.venv/bin/python -m tests.domain.documents.make_fixtures` from the repo root.
Each set gets its PDFs and a truth.json shaped like the shared samples, with
extra keys where a paper prints something other than the truth (`bl_imo`,
`pib_npwp`, `do_voyage`, `do_consignee`) and the request's `services` and
`filed_by_forwarder`.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.domain.documents.fixture_layouts import (
    EnglishColon,
    EnglishTable,
    IndonesianNextLine,
    Layout,
    Row,
    Truth,
    bill_of_lading,
    box,
    delivery_order,
    invoice,
    packing_list,
    pib,
    sppb,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"


# Sets ----------------------------------------------------------------------


def with_description(rows: list[Row], description: str) -> list[Row]:
    return [{**row, "description": description} for row in rows]


def set_201() -> Truth:
    """English table layout; a DO seal differs, the packing list is heavy, no SPPB."""
    boxes = [
        box("TCLU123456", "22G1", "CN4410021", 320, 18250),
        box("MAEU778812", "45G1", "CN4410022", 540, 24100),
        box("GESU450193", "42G1", "CN4410023", 510, 22980),
        box("TRHU902211", "45R1", "CN4410024", 260, 19875),
    ]
    do_boxes = [dict(row) for row in boxes]
    do_boxes[1]["seal"] = "CN4410082"
    return {
        "id": "set-201",
        "shipper": "Guangzhou Fastener Manufacturing Co Ltd",
        "consignee": {"name": "PT Baja Presisi Utama", "npwp": "0213456789012000"},
        "bl_npwp": "0213456789012000",
        "vessel": {"name": "MV Java Horizon", "imo": "9312456", "voyage": "118W"},
        "pol": "CNCAN",
        "pod": "IDTPP",
        "bl_number": "COSU6388201940",
        "bl_date": "2026-11-28",
        "eta": "2026-12-12",
        "description": "Steel hex bolts",
        "containers": boxes,
        "do": {
            "number": "SDO-26-004417",
            "valid_until": "2026-12-20",
            "containers": do_boxes,
        },
        "pib": {
            "aju": "04010000123420261128000451",
            "registration": "003912",
            "hs_codes": ["73181510"],
            "cif_usd": 98750.4,
        },
        "sppb": None,
        "invoice": {
            "number": "GFM-2611-087",
            "items": [
                {"description": "Steel hex bolts", "quantity": 1630, "unit_price": 58.9}
            ],
            "total": 96007.0,
        },
        "packing_list": {"packages": 1630, "gross_kg": 86105},
        "services": ["DISCHARGE", "STORAGE", "LIFT_ON_LIFT_OFF", "PICKUP"],
        "filed_by_forwarder": False,
        "faults": [
            {
                "kind": "seal_mismatch",
                "document": "delivery_order",
                "value": "CN4410082",
            },
            {
                "kind": "packing_list_weight",
                "document": "packing_list",
                "value": "86105",
            },
            {"kind": "sppb_missing", "document": "sppb", "value": None},
        ],
    }


def set_202() -> Truth:
    """Indonesian next-line layout over two B/L pages; five planted faults."""
    boxes = [
        box("SUDU620845", "22G1", "TH778101", 410, 20110),
        box("HLXU331907", "42G1", "TH778102", 820, 26340),
        box("CAIU551204", "22G1", "TH778103", 400, 19985),
        box("FCIU270036", "45G1", "TH778104", 905, 27400),
        box("TGBU554433", "22G1", "TH778105", 395, 20050),
    ]
    return {
        "id": "set-202",
        "shipper": "Bangkok Grain Trading Co Ltd",
        "consignee": {"name": "PT Sumber Pangan Lestari", "npwp": "0012345678901200"},
        "bl_npwp": "0987654321098700",
        "pib_npwp": "012345678901200",
        "vessel": {"name": "KM Nusantara Jaya", "imo": "9508770", "voyage": "042N"},
        "bl_imo": "9508771",
        "do_voyage": "042S",
        "pol": "THBKK",
        "pod": "IDSUB",
        "bl_number": "EGLV142600381245",
        "bl_date": "2026-12-02",
        "eta": "2026-12-09",
        "description": "Beras putih",
        "bl_page_break": 3,
        "containers": boxes,
        "do": {
            "number": "DO-SUB/2026/12/0931",
            "valid_until": "2026-12-23",
            "containers": boxes,
        },
        "pib": {
            "aju": "16040100042320261203000112",
            "registration": "118250",
            "hs_codes": ["1006309"],
            "cif_usd": 61250.75,
        },
        "sppb": {
            "number": "118250/KPU.02/2026",
            "date": "2026-12-10",
            "containers": boxes,
        },
        "invoice": {
            "number": "SPL/INV/26/0412",
            "items": [
                {"description": "Beras putih", "quantity": 2930, "unit_price": 20.5}
            ],
            "total": 60065.0,
        },
        "packing_list": {"packages": 2940, "gross_kg": 113885},
        "services": ["DISCHARGE", "STORAGE", "PICKUP", "DELIVERY"],
        "filed_by_forwarder": False,
        "faults": [
            {
                "kind": "imo_check_digit",
                "document": "bill_of_lading",
                "value": "9508771",
            },
            {
                "kind": "npwp_mismatch",
                "document": "bill_of_lading",
                "value": "0987654321098700",
            },
            {"kind": "voyage_mismatch", "document": "delivery_order", "value": "042S"},
            {"kind": "hs_code_length", "document": "pib", "value": "1006309"},
            {
                "kind": "packing_list_packages",
                "document": "packing_list",
                "value": "2940",
            },
        ],
    }


def set_203() -> Truth:
    """English colon layout amid unknown labels; no power of attorney."""
    boxes = [
        box("TGBU554433", "45G1", "KR220911", 450, 21300),
        box("OOCU701122", "22G1", "KR220912", 300, 14650),
        box("EMCU803344", "42G1", "KR220913", 610, 23980),
    ]
    stray = box("BEAU411908", "22G1", "KR220999", 200, 9000)
    return {
        "id": "set-203",
        "shipper": "Busan Precision Parts Co Ltd",
        "consignee": {"name": "PT Karya Logistik Abadi", "npwp": "0456789012345000"},
        "bl_npwp": "0456789012345000",
        "vessel": {"name": "MV Pacific Meridian", "imo": "9622100", "voyage": "77E"},
        "do_consignee": "PT Karya Logam Abadi",
        "pol": "KRPUS",
        "pod": "IDTPP",
        "bl_number": "HDMU5512077431",
        "bl_date": "2026-12-04",
        "eta": "2026-12-14",
        "description": "Transmission shafts",
        "containers": boxes,
        "do": {
            "number": "HDM-DO-887120",
            "valid_until": "2026-12-28",
            "containers": boxes,
        },
        "pib": {
            "aju": "04020000998820261205000031",
            "registration": "204417",
            "hs_codes": ["84831090"],
            "cif_usd": 142880.1,
        },
        "sppb": {
            "number": "204417/KPU.01/2026",
            "date": "2026-12-15",
            "containers": [*boxes, stray],
        },
        "invoice": {
            "number": "BPP-26-1204",
            "items": [
                {
                    "description": "Transmission shafts",
                    "quantity": 1360,
                    "unit_price": 105.06,
                }
            ],
            "total": 142881.6,
        },
        "packing_list": {"packages": 1360, "gross_kg": 59930},
        "services": ["DISCHARGE", "STORAGE", "PICKUP"],
        "filed_by_forwarder": True,
        "faults": [
            {
                "kind": "consignee_mismatch",
                "document": "delivery_order",
                "value": "PT Karya Logam Abadi",
            },
            {
                "kind": "container_not_on_bl",
                "document": "sppb",
                "value": stray["number"],
            },
            {
                "kind": "missing_document",
                "document": "power_of_attorney",
                "value": None,
            },
        ],
    }


SETS = (
    (set_201, EnglishTable()),
    (set_202, IndonesianNextLine()),
    (set_203, EnglishColon()),
)
WRITERS = {
    "bill_of_lading": bill_of_lading,
    "delivery_order": delivery_order,
    "pib": pib,
    "sppb": sppb,
    "commercial_invoice": invoice,
    "packing_list": packing_list,
}


def write_set(truth: Truth, layout: Layout, root: Path) -> Path:
    """Write one set's PDFs and truth.json into root/<id>."""
    folder = root / str(truth["id"])
    folder.mkdir(parents=True, exist_ok=True)
    description = truth["description"]
    for key in ("containers",):
        truth[key] = with_description(truth[key], description)
    for doc in ("do", "sppb"):
        if truth[doc] is not None:
            truth[doc]["containers"] = with_description(
                truth[doc]["containers"], description
            )
    truth["style"] = layout.style
    for name, writer in WRITERS.items():
        if name == "sppb" and truth["sppb"] is None:
            continue
        writer(truth, layout).output(str(folder / f"{name}.pdf"))
    (folder / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return folder


def main() -> None:
    for make, layout in SETS:
        write_set(make(), layout, FIXTURES)


if __name__ == "__main__":
    main()
