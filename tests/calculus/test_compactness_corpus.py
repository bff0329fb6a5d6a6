"""The compactness corpus (benchmarks/compactness_corpus.jsonl) stays true: every textbook
reference answer in it evaluates equal to matcalc's answer at random declared inputs, so the
figures `benchmarks/bench_compactness.py` reports compare equal things."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

from bench_compactness import FORMS, load_corpus, numerically_equal  # noqa: E402

CORPUS = load_corpus()
FORM_CORPUS = load_corpus(FORMS)  # (Kronecker forms and second differentials, measured apart)


def test_corpus_has_at_least_150_sourced_entries():
    assert len(CORPUS) >= 150
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    for e in CORPUS:
        assert e["source"] and e["reference"] and e["f"] and e["wrt"], e["id"]


@pytest.mark.parametrize("entry", CORPUS + FORM_CORPUS, ids=[e["id"] for e in CORPUS + FORM_CORPUS])
def test_reference_answer_equals_matcalcs(entry):
    ok, message = numerically_equal(entry, trials=1)
    assert ok, f"{entry['id']}: {message}"
