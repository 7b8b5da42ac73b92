"""How the generated sample sets print their papers: three layouts, six writers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from domain.identifiers import iso6346_check_digit

Truth = dict[str, Any]
Row = dict[str, Any]

MONTHS_EN = [
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
]  # fmt: skip
MONTHS_ID = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
    "September", "Oktober", "November", "Desember",
]  # fmt: skip


def box(prefix: str, size_type: str, seal: str, packages: int, kg: int) -> Row:
    """A container row; the number gets its ISO 6346 check digit."""
    return {
        "number": prefix + str(iso6346_check_digit(prefix)),
        "size_type": size_type,
        "seal": seal,
        "packages": packages,
        "gross_kg": kg,
    }


def grouped(value: float, decimals: int, thousands: str, point: str) -> str:
    """A number with the given thousands separator and decimal point."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


class Sheet(FPDF):
    """An A4 page writer with a fixed creation date, so output is reproducible."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_creation_date(datetime(2026, 12, 1, tzinfo=UTC))
        self.add_page()
        self.set_font("Helvetica", "B", 13)
        self.line(title, 10)
        self.set_font("Helvetica", size=9)

    def line(self, text: str, height: float = 6) -> None:  # type: ignore[override]
        self.cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row(self, cells: list[str], widths: list[float]) -> None:
        for text, width in zip(cells, widths, strict=True):
            self.cell(width, 6, text, border=1)
        self.ln(6)


class Layout:
    """How one set prints its papers: field style, columns, numbers and dates."""

    style = ""
    titles: tuple[str, ...] = ()
    labels: ClassVar[dict[str, str]] = {}
    columns: tuple[tuple[str, str, float], ...] = ()

    def field(self, sheet: Sheet, key: str, value: str) -> None:
        sheet.line(f"{self.labels[key]}: {value}")

    def long_date(self, day: date) -> str:
        return f"{day.day:02d} {MONTHS_EN[day.month - 1][:3]} {day.year}"

    def short_date(self, day: date) -> str:
        return self.long_date(day)

    def number(self, value: float, decimals: int = 0) -> str:
        return grouped(value, decimals, ",", ".")

    def kg(self, value: float) -> str:
        return self.number(value)

    def packages(self, value: int) -> str:
        return self.number(value)

    def container(self, number: str) -> str:
        return number

    def npwp(self, digits: str) -> str:
        return digits

    def hs(self, code: str) -> str:
        return code

    def table(
        self, sheet: Sheet, rows: list[Row], description: str, split: int
    ) -> None:
        widths = [w for _, _, w in self.columns]
        sheet.row([h for _, h, _ in self.columns], widths)
        for i, row in enumerate(rows):
            if split and i == split:
                sheet.add_page()
            cells = {
                "number": self.container(row["number"]),
                "size_type": row["size_type"],
                "seal": row["seal"],
                "packages": self.packages(row["packages"]),
                "gross_kg": self.kg(row["gross_kg"]),
                "description": description,
            }
            sheet.row([cells[key] for key, _, _ in self.columns], widths)

    def invoice_lines(self, sheet: Sheet, items: list[Row], total: float) -> None:
        for item in items:
            quantity, price = (
                self.number(item["quantity"]),
                self.number(item["unit_price"], 2),
            )
            sheet.line(f"{item['description']}  {quantity} x USD {price}")
        self.field(sheet, "total", f"USD {self.number(total, 2)}")


class EnglishTable(Layout):
    """Fields in a bordered label/value table without colons; month-first dates."""

    style = "en-table"
    titles = (
        "BILL OF LADING", "DELIVERY ORDER", "PIB - IMPORT DECLARATION",
        "SPPB - RELEASE APPROVAL", "COMMERCIAL INVOICE", "PACKING LIST",
    )  # fmt: skip
    labels: ClassVar[dict[str, str]] = {
        "bl_number": "Bill of Lading No.", "shipper": "Shipper",
        "consignee": "Consignee", "npwp": "Consignee NPWP",
        "vessel": "Ocean Vessel", "voyage": "Voyage No.", "imo": "IMO Number",
        "pol": "Port of Loading", "pod": "Port of Discharge", "date": "Issue Date",
        "do_number": "D/O Number", "valid_until": "Valid Till", "aju": "Aju No.",
        "registration": "Registration Number", "hs": "HS Code",
        "cif": "CIF Value (USD)", "sppb_number": "SPPB Number",
        "sppb_date": "SPPB Date", "invoice": "Invoice Number",
        "total": "Total Amount (USD)", "packages": "Total Packages",
        "weight": "Total Gross Weight (kg)",
    }  # fmt: skip
    columns = (
        ("number", "Container No.", 30), ("seal", "Seal No.", 22),
        ("size_type", "Size/Type", 18), ("packages", "Pkgs", 14),
        ("gross_kg", "Gross Weight (kg)", 32), ("description", "Description", 60),
    )  # fmt: skip

    def field(self, sheet: Sheet, key: str, value: str) -> None:
        sheet.cell(62, 7, self.labels[key], border=1)
        sheet.cell(110, 7, value, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def long_date(self, day: date) -> str:
        return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"

    def short_date(self, day: date) -> str:
        return day.strftime("%d/%m/%Y")

    def kg(self, value: float) -> str:
        return self.number(value, 2)

    def container(self, number: str) -> str:
        # Often printed owner and serial apart from the check digit.
        return f"{number[:4]} {number[4:10]} {number[10]}"

    def npwp(self, digits: str) -> str:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))

    def invoice_lines(self, sheet: Sheet, items: list[Row], total: float) -> None:
        widths = [70.0, 25.0, 35.0, 40.0]
        sheet.row(
            ["Description", "Quantity", "Unit Price (USD)", "Amount (USD)"], widths
        )
        for item in items:
            amount = item["quantity"] * item["unit_price"]
            cells = [
                item["description"], self.number(item["quantity"]),
                self.number(item["unit_price"], 2), self.number(amount, 2),
            ]  # fmt: skip
            sheet.row(cells, widths)
        sheet.ln(2)
        self.field(sheet, "total", self.number(total, 2))


class IndonesianNextLine(Layout):
    """Indonesian labels alone on a line with the value below; dotted thousands."""

    style = "id-nextline"
    titles = (
        "KONOSEMEN", "SURAT PENYERAHAN BARANG", "PEMBERITAHUAN IMPOR BARANG",
        "SURAT PERSETUJUAN PENGELUARAN BARANG", "FAKTUR KOMERSIAL", "DAFTAR KEMASAN",
    )  # fmt: skip
    labels: ClassVar[dict[str, str]] = {
        "bl_number": "Nomor B/L", "shipper": "Pengirim", "consignee": "Nama Penerima",
        "npwp": "NPWP Penerima", "vessel": "Nama Kapal", "voyage": "Nomor Voyage",
        "imo": "Nomor IMO", "pol": "Pelabuhan Muat", "pod": "Pelabuhan Tujuan",
        "date": "Tanggal Penerbitan", "do_number": "Nomor DO",
        "valid_until": "Berlaku Hingga", "aju": "Nomor Aju",
        "registration": "Nomor Pendaftaran", "hs": "Pos Tarif/HS",
        "cif": "Nilai CIF (USD)", "sppb_number": "Nomor SPPB",
        "sppb_date": "Tanggal SPPB", "invoice": "Nomor Invoice",
        "total": "Jumlah Total", "packages": "Jumlah Koli",
        "weight": "Total Berat Kotor (kg)",
    }  # fmt: skip
    columns = (
        ("number", "Nomor Peti Kemas", 34), ("size_type", "Ukuran/Tipe", 22),
        ("packages", "Koli", 14), ("gross_kg", "Berat Kotor (kg)", 28),
        ("seal", "Segel", 22), ("description", "Uraian Barang", 56),
    )  # fmt: skip

    def field(self, sheet: Sheet, key: str, value: str) -> None:
        sheet.line(f"{self.labels[key]}:")
        sheet.set_x(20)
        sheet.line(value)

    def long_date(self, day: date) -> str:
        return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"

    def short_date(self, day: date) -> str:
        return day.strftime("%d-%m-%Y")

    def number(self, value: float, decimals: int = 0) -> str:
        return grouped(value, decimals, ".", ",")

    def npwp(self, digits: str) -> str:
        if len(digits) != 15:
            return digits
        # The legacy 15-digit NPWP is printed 99.999.999.9-999.999.
        d = digits
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"

    def hs(self, code: str) -> str:
        return f"{code[:4]}.{code[4:6]}.{code[6:]}"


class EnglishColon(Layout):
    """Label: value lines with unknown labels between; units after the figures."""

    style = "en-colon"
    titles = (
        "Ocean Bill of Lading", "Delivery Order", "Customs Declaration (BC 2.0)",
        "Release Order (SPPB)", "Invoice", "Packing List",
    )  # fmt: skip
    labels: ClassVar[dict[str, str]] = {
        "bl_number": "Bill of Lading Number", "shipper": "Exporter",
        "consignee": "Consignee Name", "npwp": "Tax ID (NPWP)",
        "vessel": "Vessel/Voyage", "imo": "IMO", "pol": "POL", "pod": "POD",
        "date": "Date of Issue", "do_number": "DO Number", "valid_until": "Validity",
        "aju": "Submission No.", "registration": "Registration No.", "hs": "HS",
        "cif": "CIF Value", "sppb_number": "SPPB No.", "sppb_date": "SPPB Date",
        "invoice": "Invoice No.", "total": "Grand Total",
        "packages": "Number of Packages", "weight": "Gross Weight Total",
    }  # fmt: skip

    columns = (
        ("number", "Container", 30), ("size_type", "Type", 16), ("seal", "Seal", 22),
        ("packages", "Packages", 22), ("gross_kg", "Weight", 30),
        ("description", "Goods", 56),
    )  # fmt: skip

    def long_date(self, day: date) -> str:
        return f"{day.day:02d}-{MONTHS_EN[day.month - 1][:3]}-{day.year}"

    def kg(self, value: float) -> str:
        return f"{self.number(value)} KGS"

    def packages(self, value: int) -> str:
        return f"{value} CTNS"


# Documents -----------------------------------------------------------------


def _d(text: str) -> date:
    return date.fromisoformat(text)


def write_fields(sheet: Sheet, lay: Layout, values: list[tuple[str, str]]) -> None:
    for key, value in values:
        if key.startswith("noise:"):
            sheet.line(value)
        else:
            lay.field(sheet, key, value)


def bill_of_lading(t: Truth, lay: Layout) -> Sheet:
    sheet = Sheet(lay.titles[0])
    vessel = t["vessel"]
    values = [
        ("bl_number", t["bl_number"]),
        ("shipper", t["shipper"]),
        ("consignee", t["consignee"]["name"]),
        ("noise:address", "Consignee Address: Jl. Raya Pelabuhan No. 12, Indonesia"),
        ("npwp", lay.npwp(t["bl_npwp"])),
        ("noise:notify", "Notify Party: Same as consignee"),
        ("vessel", vessel["name"]),
        ("voyage", vessel["voyage"]),
        ("imo", t.get("bl_imo", vessel["imo"])),
        ("pol", t["pol"]),
        ("pod", t["pod"]),
        ("date", lay.long_date(_d(t["bl_date"]))),
    ]
    if isinstance(lay, EnglishColon):
        values = [v for v in values if v[0] != "voyage"]
        values[6] = ("vessel", f"{vessel['name']} / {vessel['voyage']}")
    else:
        values = [v for v in values if not v[0].startswith("noise:")][::-1]
    write_fields(sheet, lay, values)
    sheet.ln(4)
    lay.table(sheet, t["containers"], t["description"], t.get("bl_page_break", 0))
    return sheet


def delivery_order(t: Truth, lay: Layout) -> Sheet:
    sheet = Sheet(lay.titles[1])
    do = t["do"]
    voyage = t.get("do_voyage", t["vessel"]["voyage"])
    values = [
        ("valid_until", lay.short_date(_d(do["valid_until"]))),
        ("do_number", do["number"]),
        ("bl_number", t["bl_number"]),
        ("consignee", t.get("do_consignee", t["consignee"]["name"])),
        ("vessel", t["vessel"]["name"]),
        ("voyage", voyage),
    ]
    if isinstance(lay, EnglishColon):
        values = [*values[:4], ("vessel", f"{t['vessel']['name']} / {voyage}")]
    write_fields(sheet, lay, values)
    sheet.ln(4)
    lay.table(sheet, do["containers"], t["description"], 0)
    return sheet


def pib(t: Truth, lay: Layout) -> Sheet:
    sheet = Sheet(lay.titles[2])
    p = t["pib"]
    values = [
        ("consignee", t["consignee"]["name"]),
        ("npwp", lay.npwp(t.get("pib_npwp", t["consignee"]["npwp"]))),
        ("aju", p["aju"]),
        ("registration", p["registration"]),
        ("bl_number", t["bl_number"]),
        *[("hs", lay.hs(code)) for code in p["hs_codes"]],
        ("cif", lay.number(p["cif_usd"], 2)),
    ]
    write_fields(sheet, lay, values)
    return sheet


def sppb(t: Truth, lay: Layout) -> Sheet:
    sheet = Sheet(lay.titles[3])
    s = t["sppb"]
    values = [
        ("sppb_date", lay.long_date(_d(s["date"]))),
        ("sppb_number", s["number"]),
        ("registration", t["pib"]["registration"]),
        ("bl_number", t["bl_number"]),
        ("consignee", t["consignee"]["name"]),
    ]
    write_fields(sheet, lay, values)
    sheet.ln(4)
    lay.table(sheet, s["containers"], t["description"], 0)
    return sheet


def invoice(t: Truth, lay: Layout) -> Sheet:
    sheet = Sheet(lay.titles[4])
    inv = t["invoice"]
    values = [
        ("invoice", inv["number"]),
        ("consignee", t["consignee"]["name"]),
        ("shipper", t["shipper"]),
    ]
    write_fields(sheet, lay, values)
    sheet.ln(4)
    lay.invoice_lines(sheet, inv["items"], inv["total"])
    return sheet


def packing_list(t: Truth, lay: Layout) -> Sheet:
    sheet = Sheet(lay.titles[5])
    pl = t["packing_list"]
    values = [
        ("consignee", t["consignee"]["name"]),
        ("invoice", t["invoice"]["number"]),
        (
            "weight",
            lay.number(pl["gross_kg"], 2 if isinstance(lay, EnglishTable) else 0),
        ),
        ("packages", lay.number(pl["packages"])),
    ]
    write_fields(sheet, lay, values)
    return sheet
