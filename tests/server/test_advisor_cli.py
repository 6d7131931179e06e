"""``hallq advise`` as a manager uses it: history from ``hallq simulate``, an unbalanced allocation,
a recommendation that fixes it, written as a profile file that ``hallq apply-proposal`` applies."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.server.catalogue import small_hall
from tests.server.test_cli import hallq


def test_advise_recommends_undoing_an_unbalanced_allocation_and_its_file_applies(tmp_path: Path) -> None:
    db = str(tmp_path / "hall.db")
    catalogue = tmp_path / "hall.json"
    catalogue.write_text(json.dumps(small_hall("t1")), encoding="utf-8")
    assert hallq("catalogue", "import", str(catalogue), "--db", db, cwd=tmp_path).returncode == 0
    simulated = hallq(
        "simulate", "--start", "2026-03-02", "--days", "1", "--seed", "4", "--db", db, cwd=tmp_path
    )
    assert simulated.returncode == 0, simulated.stderr
    # The manager moves window 2 off 事项S2: only window 1 (as its second choice) still serves it.
    unbalance = tmp_path / "unbalance.json"
    unbalance.write_text(
        json.dumps(
            {
                "format": "hallq.allocation-proposal/1",
                "hall": "t1",
                "blocks": [
                    {"start": "00:00", "profiles": [{"name": "临时", "services": ["S3"], "windows": ["2"]}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    moved = hallq("apply-proposal", str(unbalance), "--block", "00:00", "--db", db, cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    proposal = tmp_path / "proposal.json"
    advised = hallq(
        "advise",
        "--date",
        "2026-03-09",
        "--replications",
        "4",
        "--out",
        str(proposal),
        "--db",
        db,
        cwd=tmp_path,
    )
    assert advised.returncode == 0, advised.stderr
    assert "S2" in advised.stdout and "p90" in advised.stdout
    assert "Learned from 1 days" in advised.stdout  # what the history says comes first
    assert "Breaks and 暂离 per window" in advised.stdout  # each window's, with the days behind them
    content = json.loads(proposal.read_text(encoding="utf-8"))
    assert content["expected"]["gain"] >= 0.3
    given = {w: p["services"] for b in content["blocks"] for p in b["profiles"] for w in p["windows"]}
    assert "S2" in given["2"]  # window 2 goes back to 事项S2
    applied = hallq("apply-proposal", str(proposal), "--block", "00:00", "--db", db, cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert "2" in applied.stderr
    with sqlite3.connect(tmp_path / "hall.db") as conn:  # what is now predicted, kept for the check
        kept = conn.execute(
            "SELECT service, source FROM advisor_predictions WHERE day = '2026-03-09'"
        ).fetchall()
    assert {service for service, _ in kept} >= {"S1", "S2"} and {s for _, s in kept} == {"proposal 00:00"}
    wrong = hallq("apply-proposal", str(proposal), "--block", "13:00", "--db", db, cwd=tmp_path)
    assert wrong.returncode == 2 and "advisor.no_block" in wrong.stderr
