"""How calfcheck reads real posts: dev by half, *study* (errors may be read) and *check* (scores only),
or, only to report, test (each run of ``--split test`` is appended to the log of looks).

    .venv/bin/python scripts/read_real.py [-m MODEL_DIR | --corpus CORPUS] [--errors]
    .venv/bin/python scripts/read_real.py --split test --why "..."      # a logged look at test
    .venv-embeddings/bin/python scripts/read_real.py --minilm            # adds MiniLM zero-shot

Prints, for calfcheck, the keyword rules, MiniLM zero-shot (``--minilm``) and the careful reader
(blind labels), per half:
top-1 on in-scope posts (the final answer, ``unknown`` counts as wrong), best of the four conditions
(``unknown`` ignored), top-2 of the four, in scope → ``unknown``, out of scope → ``unknown``, macro-F1
over the five labels, and how often an in-scope answer is marked unsure. ``--errors`` lists the
misses of the study half only; the check half is never listed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.facts import CONDITIONS, LABELS, UNKNOWN  # noqa: E402
from classifier.training.baselines import KeywordBaseline  # noqa: E402
from classifier.training.evaluate import read_heldout  # noqa: E402

REAL = ROOT / "corpus" / "real"
LOOKS = REAL / "README.md"  # the log of looks at test


def halves() -> dict[str, str]:
    return json.loads((REAL / "dev_halves.json").read_text(encoding="utf-8"))


def scores(gold: list[str], pred: list[str], ranked: list[list[str]] | None, unsure: list[bool] | None = None) -> dict:
    gold_a, pred_a = np.asarray(gold), np.asarray(pred)
    ins = gold_a != UNKNOWN
    out = {
        "n": f"{ins.sum()}+{(~ins).sum()}",
        "top-1": float((pred_a == gold_a)[ins].mean()),
        "best of 4": None, "top-2": None,
        "in→unknown": float((pred_a == UNKNOWN)[ins].mean()),
        "out→unknown": float((pred_a == UNKNOWN)[~ins].mean()),
        "macro-F1": float(f1_score(gold_a, pred_a, labels=list(LABELS), average="macro", zero_division=0)),
        "unsure": None,
    }
    if ranked is not None:
        four = [[c for c in r if c != UNKNOWN] for r in ranked]
        out["best of 4"] = float(np.mean([f[0] == g for f, g, i in zip(four, gold, ins) if i]))
        out["top-2"] = float(np.mean([g in f[:2] for f, g, i in zip(four, gold, ins) if i]))
    if unsure is not None:
        out["unsure"] = float(np.mean([u for u, i in zip(unsure, ins) if i]))
    return out


def table(results: dict[str, dict[str, dict]]) -> str:
    cols = ["n", "top-1", "best of 4", "top-2", "in→unknown", "out→unknown", "macro-F1", "unsure"]
    lines = ["| system | half | " + " | ".join(cols) + " |", "|---|---|" + "---:|" * len(cols)]
    for system, by_half in results.items():
        for half, s in by_half.items():
            cells = [s[c] if isinstance(s[c], str) else "–" if s[c] is None else f"{s[c]:.3f}" for c in cols]
            lines.append(f"| {system} | {half} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", "--model", type=Path, help="a model directory (default: train on --corpus)")
    ap.add_argument("--corpus", type=Path, help="training corpus (default: the packaged one)")
    ap.add_argument("--errors", action="store_true", help="list the study half's misses")
    ap.add_argument("--split", choices=("dev", "test"), default="dev")
    ap.add_argument("--why", default="", help="for --split test: why this look (logged)")
    ap.add_argument("--minilm", action="store_true", help="add MiniLM zero-shot (needs the embeddings extra)")
    ap.add_argument("--narrative", action="store_true", help="print the narrative-insertion agreement rate")
    ap.add_argument("--triage", action="store_true", help="print triage against the careful reader's urgency")
    args = ap.parse_args()
    if args.split == "test" and args.errors:
        ap.error("test is only for reporting: its errors are never listed")

    from classifier.storage import load_model
    from classifier.training.train import train

    model = load_model(args.model) if args.model else train(args.corpus, progress=False)
    rows = read_heldout(REAL / f"{args.split}.jsonl")
    half_of = halves() if args.split == "dev" else {r["id"]: "test" for r in rows}
    if args.split == "test" and not args.why:
        ap.error("a look at test is logged: say why with --why")
    parts = ("study", "check", "all") if args.split == "dev" else ("test",)
    preds = model.classify_many([r["text"] for r in rows])
    kw = KeywordBaseline().fit([])
    kw_P = kw.predict_proba([r["text"] for r in rows])
    blind_file = REAL / f"{args.split}_blind.jsonl"  # a careful reader's labels, given seeing only the text
    blind = {}
    if blind_file.is_file():
        blind = {b["id"]: b for b in map(json.loads, blind_file.read_text(encoding="utf-8").splitlines())}
    results: dict[str, dict[str, dict]] = {"calfcheck": {}, "keyword rules": {}, "MiniLM zero-shot": {},
                                           "careful reader (blind)": {}}
    mini_P = None
    if args.minilm:
        from classifier.training.embeddings import ZeroShotEmbedding

        zs = ZeroShotEmbedding().fit()
        order = [list(zs.classes_).index(lab) for lab in LABELS]
        mini_P = zs.predict_proba([r["text"] for r in rows])[:, order]
    for half in parts:
        idx = [i for i, r in enumerate(rows) if half == "all" or half_of[r["id"]] == half]
        gold = [rows[i]["label"] for i in idx]
        results["calfcheck"][half] = scores(
            gold, [preds[i].label for i in idx], [[lab for lab, _ in preds[i].ranked()] for i in idx],
            [bool(getattr(preds[i], "unsure", False)) for i in idx])
        kw_rank = [[LABELS[j] for j in np.argsort(-kw_P[i], kind="stable")] for i in idx]
        results["keyword rules"][half] = scores(gold, [kr[0] for kr in kw_rank], kw_rank)
        if mini_P is not None:
            mr = [[LABELS[j] for j in np.argsort(-mini_P[i], kind="stable")] for i in idx]
            results["MiniLM zero-shot"][half] = scores(gold, [m[0] for m in mr], mr)
        have = [i for i in idx if rows[i]["id"] in blind]
        if have:
            b = [blind[rows[i]["id"]] for i in have]
            results["careful reader (blind)"][half] = scores(
                [rows[i]["label"] for i in have], [x["label"] for x in b], [[x["label"], x["second"]] for x in b])
    results = {k: v for k, v in results.items() if v}
    print(table(results))
    if args.triage:
        from scripts.triage_on_dev import half_scores

        every = [json.loads(x) for x in (REAL / f"{args.split}.jsonl").read_text(encoding="utf-8").splitlines()]
        every = [r for r in every if not r.get("excluded")]
        known = {r["id"]: p for r, p in zip(rows, preds)}  # the labelled posts are classified already
        rest = [r for r in every if r["id"] not in known]
        known.update(zip((r["id"] for r in rest), model.classify_many([r["text"] for r in rest])))
        every_preds = [known[r["id"]] for r in every]
        urgency = {b["id"]: b["urgency"] for b in blind.values()}
        cells = {}
        for half in parts:
            sel = [i for i, r in enumerate(every) if half == "all" or half_of.get(r["id"], "test") == half]
            cells[half] = half_scores([every[i] for i in sel], [every_preds[i] for i in sel], urgency)
        first = next(iter(cells.values()))
        print("\nTriage against the careful reader's urgency:\n\n| half | " + " | ".join(first) + " |")
        print("|---" * (len(first) + 1) + "|")
        for half, c in cells.items():
            print(f"| {half} | " + " | ".join(c.values()) + " |")
        # per flag: the dangers the reader named against the flags calfcheck raised, over all posts of the split
        dangers = {b["id"]: set(b.get("danger") or ()) for b in blind.values()}
        raised = {r["id"]: {f["id"] for f in p.red_flags} for r, p in zip(every, every_preds)}
        ids = sorted({d for ds in dangers.values() for d in ds} | {f for fs in raised.values() for f in fs})
        print("\nPer red flag (the reader's dangers, all posts of the split):\n")
        print("| flag | reader names it | calfcheck raises it | both | reader's found |")
        print("|---|---:|---:|---:|---:|")
        for flag in ids:
            reader_n = sum(flag in dangers.get(r["id"], ()) for r in every)
            ours = sum(flag in raised[r["id"]] for r in every)
            both = sum(flag in raised[r["id"]] and flag in dangers.get(r["id"], ()) for r in every)
            found = f"{both / reader_n:.2f}" if reader_n else "–"
            print(f"| {flag} | {reader_n} | {ours} | {both} | {found} |")
    if args.narrative:
        from classifier.training.narrative import narrative_agreement

        print("\nNarrative inserted (a paragraph of training and race talk at a sentence boundary), in-scope posts:")
        for half in parts:
            texts = [r["text"] for r in rows if r["label"] != UNKNOWN and (half == "all" or half_of[r["id"]] == half)]
            rates = [narrative_agreement(model, texts, seed=s)[0] for s in range(3)]
            print(f"- {half}: same answer on {', '.join(f'{x:.3f}' for x in rates)} (seeds 0-2) of {len(texts)} posts")
    if args.split == "test":
        import datetime

        with LOOKS.open("a", encoding="utf-8") as f:
            f.write(f"- {datetime.date.today()}: scripts/read_real.py --split test (model {model.version}). "
                    f"{args.why}\n")
    if args.errors:
        print("\nStudy-half misses (gold → answer, confidence):")
        for r, p in zip(rows, preds):
            if half_of[r["id"]] == "study" and p.label != r["label"]:
                extra = f" unsure, runner-up {p.runner_up}" if getattr(p, "unsure", False) else ""
                print(f"- {r['id']} {r['label']} → {p.label} {p.confidence:.2f}{extra}: "
                      f"{' '.join(r['text'].split())[:400]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
