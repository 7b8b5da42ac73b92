"""Time to read and check a six-document set end to end (upload excluded).

Run by hand: `.venv/bin/python -m bench.documents.bench_check`. Target: a set
checked in under 1 s on the 2-core reference machine.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from dermaga.logging import configure_logging
from domain.documents import DocumentKind, ShipmentFacts, check_shipment, read_document

SETS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "documents"
KINDS = {
    "bill_of_lading": DocumentKind.BILL_OF_LADING,
    "delivery_order": DocumentKind.DELIVERY_ORDER,
    "pib": DocumentKind.PIB,
    "sppb": DocumentKind.SPPB,
    "commercial_invoice": DocumentKind.COMMERCIAL_INVOICE,
    "packing_list": DocumentKind.PACKING_LIST,
}


def time_set(folder: Path, rounds: int) -> list[float]:
    blobs = [
        (KINDS[p.stem], p.read_bytes())
        for p in sorted(folder.glob("*.pdf"))
        if p.stem in KINDS
    ]
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        documents = [
            read_document(kind, blob, "application/pdf") for kind, blob in blobs
        ]
        check_shipment(ShipmentFacts(), documents)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    configure_logging(log_format="console", level="WARNING")
    print(f"{'set':<10} {'median ms':>10} {'max ms':>8}")
    for folder in sorted(p for p in SETS.iterdir() if p.is_dir()):
        timings = time_set(folder, rounds=20)
        median = statistics.median(timings) * 1000
        print(f"{folder.name:<10} {median:>10.1f} {max(timings) * 1000:>8.1f}")


if __name__ == "__main__":
    main()
