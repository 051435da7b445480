#!/usr/bin/env python3
"""The wake-word trainer's readable report (tools/train/wakeword.py `readable_report`) from both threshold formats.

    python3 tools/checks/train_report_check.py

threshold.json as the openWakeWord path writes it (sweep rows with near-phrase shares) and as the MFCC path
writes it (without), one whose target was reached and one whose was not. Each report must state the chosen
threshold, its held-out false alarms, minutes and recall, the table rows of the wanted thresholds with the
figures of those rows (not of others), the near-phrase column only when the sweep has it, and say so plainly when
the target was not reached. Prints `N passed, M failed` (tools/test.sh section `train-report`).
"""

from __future__ import annotations

import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "train"))
import wakeword  # noqa: E402


def sweep(near: bool) -> list[dict]:
    """Held-out sweep rows; without near-phrases (the MFCC path) the false alarms never reach the target."""
    rows, last = [], 90 if near else 100
    for k in range(30, 100):
        t = k / 100
        row = dict(threshold=t, false_alarms=max(0, last - k), fa_per_hour=max(0, last - k) * 4.0, recall=1 - t / 2)
        if near:
            row["near_phrase_fired"] = 1 - t
        rows.append(row)
    return rows


def main() -> int:
    passed = failed = 0

    def check(ok: bool, what: str) -> None:
        nonlocal passed, failed
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)

    for near, chosen_t in ((True, 0.9), (False, 0.99)):
        rows = sweep(near)
        chosen = next(r for r in rows if abs(r["threshold"] - chosen_t) < 1e-9)
        choice = dict(threshold=chosen_t, chosen=chosen, target_fa_per_hour=0.5, heldout_hours=0.25,
                      heldout_positives=150, sweep=rows)
        report = dict(keyword="hey board", model="m.earshot", backbone="openwakeword" if near else "mfcc", head="gru",
                      threshold=chosen_t, threshold_choice=chosen, heldout_hours=0.25, negatives=["speech/"], noise=["noise/"])
        a = types.SimpleNamespace(examples=6000, ensemble=3 if near else 1, formant_shift=False, fa_per_hour=0.5,
                                  voices="all" if near else "debian")
        text = wakeword.readable_report(report, choice, a)
        kind = "openwakeword" if near else "mfcc"
        reached = chosen["fa_per_hour"] <= 0.5
        check(f"Threshold **{chosen_t:.2f}**: {chosen['false_alarms']} false alarms in 15.0 min" in text
              and f"recall {100 * chosen['recall']:.1f} % of 150 phrases" in text,
              f"{kind}: the chosen threshold with its held-out figures")
        table = [line for line in text.splitlines() if line.startswith("| 0.")]
        want = sorted({0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, chosen_t})
        got = [float(line.split("|")[1]) for line in table]
        check(got == want, f"{kind}: table rows at {want} (got {got})")
        right = all(f"| {r['threshold']:.2f} | {r['fa_per_hour']:.1f} | {100 * r['recall']:.1f} % |" in text
                    for r in rows if r["threshold"] in want)
        check(right, f"{kind}: each row carries its own threshold's figures")
        check(("near-phrases firing" in text) == near, f"{kind}: near-phrase column {'shown' if near else 'absent'}")
        check(("NOT reached" in text) == (not reached), f"{kind}: target {'reached' if reached else 'not reached, said'}")
        check(("ensemble of 3" in text) == near, f"{kind}: the settings line names the ensemble only when there is one")
        check(f"voices: {a.voices}" in text, f"{kind}: the settings line names the TTS voices ({a.voices})")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
