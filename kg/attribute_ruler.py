"""A faster drop-in for spaCy's ``attribute_ruler``: the same rules, the same results.

The stock component runs a ``Matcher`` of every rule at every token; with the
~180 rules of the English models that is ~15 % of the whole parse. The rules
only look at a token's tag, lower form, dependency and whitespace flag, so the
rules a token meets are worked out once per distinct combination and
remembered. Rules of more than one token are checked against their neighbours.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

log = logging.getLogger(__name__)

# The token attributes the rules may test, in the order of a token's key.
FEATURES: tuple[str, ...] = ("TAG", "LOWER", "DEP", "IS_SPACE")
_FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}

Key = tuple[str, str, str, bool]
_ARRAY_ATTRS = [TAG, LOWER, DEP, IS_SPACE]
MAX_REMEMBERED = 200_000      # distinct tokens remembered (~40 MB); then forgotten at once
Test = Callable[[Key], bool]


class UnsupportedRule(ValueError):
    """A rule uses a Matcher feature this component does not reproduce."""


@dataclass(frozen=True)
class Rule:
    """One token sequence of one attribute rule: its tests and which token it changes."""

    entry: int
    tests: tuple[Test, ...]
    target: int
    # What the first token's LOWER must be one of; None when the first token's test does
    # not read LOWER at all, "any" when it reads it otherwise (NOT_IN, REGEX).
    first_lower: frozenset[str] | None | str = None


def _value_test(position: int, value: Any) -> Test:
    """The test of one feature against one pattern value, as the Matcher reads it."""
    if isinstance(value, dict):
        if len(value) != 1:
            raise UnsupportedRule(f"a pattern value with {len(value)} predicates: {value!r}")
        (operator, argument), = value.items()
        if operator == "IN":
            allowed = frozenset(argument)
            return lambda key: key[position] in allowed
        if operator == "NOT_IN":
            refused = frozenset(argument)
            return lambda key: key[position] not in refused
        if operator == "REGEX":
            # The Matcher uses re.search on the string value.
            pattern = re.compile(argument)
            return lambda key: bool(pattern.search(key[position]))
        raise UnsupportedRule(f"the predicate {operator!r} (expected IN, NOT_IN or REGEX)")
    if isinstance(value, (str, bool)):
        return lambda key: key[position] == value
    raise UnsupportedRule(f"a pattern value of type {type(value).__name__}: {value!r}")


def _token_test(spec: dict[str, Any]) -> Test:
    """The conjunction of one token pattern's feature tests."""
    tests = []
    for name, value in spec.items():
        position = _FEATURE_INDEX.get(name.upper())
        if position is None:
            raise UnsupportedRule(f"the token attribute {name!r} (expected one of "
                                  f"{', '.join(FEATURES)})")
        tests.append(_value_test(position, value))
    return lambda key: all(test(key) for test in tests)


def compile_rules(patterns: Iterable[dict[str, Any]]) -> list[Rule]:
    """The rules of ``AttributeRuler.patterns``, in entry order; raises UnsupportedRule."""
    rules: list[Rule] = []
    for entry, pattern in enumerate(patterns):
        for sequence in pattern["patterns"]:
            if not sequence:
                raise UnsupportedRule(f"rule {entry} has an empty token sequence")
            tests = tuple(_token_test(spec) for spec in sequence)
            index = pattern.get("index", 0)
            target = index if index >= 0 else len(sequence) + index
            if not 0 <= target < len(sequence):
                raise UnsupportedRule(f"rule {entry}: index {index} outside its "
                                      f"{len(sequence)} tokens")
            rules.append(Rule(entry, tests, target, _lower_words(sequence[0])))
    return rules


def _lower_words(spec: dict[str, Any]) -> frozenset[str] | None | str:
    value = next((v for name, v in spec.items() if name.upper() == "LOWER"), None)
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, dict) and set(value) == {"IN"}:
        return frozenset(value["IN"])
    return "any"


class FastAttributeRuler:
    """Assigns what spaCy's ``AttributeRuler`` assigns with the same rules, from remembered hits."""

    def __init__(self, vocab: Any, name: str = "attribute_ruler") -> None:
        self.name = name
        self.vocab = vocab
        self.rules: list[Rule] = []
        self.attrs: list[dict] = []
        self._hits: dict[Key, tuple[tuple[int, ...], tuple[Rule, ...]]] = {}
        self._keys: dict[tuple[int, ...], Key] = {}
        self._merged: dict[tuple[int, ...], dict] = {}

    def use(self, rules: list[Rule], attrs: list[dict]) -> None:
        """Take ``rules`` and the normalised attributes (MORPH as a hash) of each entry."""
        self.rules, self.attrs = rules, list(attrs)
        self._hits.clear()
        self._merged.clear()
        # Rules indexed by what they ask of the first token's LOWER, so that a new word
        # form is tested only against the few rules that name it.
        self._no_lower = [rule for rule in rules if rule.first_lower is None]
        self._any_lower = [rule for rule in rules if rule.first_lower == "any"]
        self._by_lower: dict[str, list[Rule]] = {}
        for rule in rules:
            if isinstance(rule.first_lower, frozenset):
                for word in rule.first_lower:
                    self._by_lower.setdefault(word, []).append(rule)
        self._without_lower: dict[tuple[str, str, bool], list[Rule]] = {}

    def _rules_at(self, key: Key) -> tuple[tuple[int, ...], tuple[Rule, ...]]:
        # The entries of one-token rules a token meets, and the longer rules it may start.
        found = self._hits.get(key)
        if found is None:
            if len(self._hits) >= MAX_REMEMBERED:
                self._hits.clear()     # a bound on a long-lived worker's memory
                self._keys.clear()
            tag, lower, dep, space = key
            general = self._without_lower.get((tag, dep, space))
            if general is None:
                general = [rule for rule in self._no_lower if rule.tests[0](key)]
                self._without_lower[(tag, dep, space)] = general
            # in any order: _attributes applies the entries in entry order
            met = general + [rule for rule in (*self._by_lower.get(lower, ()), *self._any_lower)
                             if rule.tests[0](key)]
            found = self._hits[key] = (tuple(r.entry for r in met if len(r.tests) == 1),
                                       tuple(r for r in met if len(r.tests) > 1))
        return found

    def _attributes(self, entries: tuple[int, ...]) -> dict:
        # Later entries win, as in the stock component, which applies matches by entry.
        merged = self._merged.get(entries)
        if merged is None:
            merged = {}
            for entry in sorted(set(entries)):
                merged.update(self.attrs[entry])
            self._merged[entries] = merged
        return merged

    def __call__(self, doc: Doc) -> Doc:
        # The four features as string hashes in one native call; strings only for new rows.
        rows = doc.to_array(_ARRAY_ATTRS).tolist()
        keys = [self._key(row) for row in rows]
        found = [self._rules_at(key) for key in keys]
        entries = [single for single, _ in found]
        # Every rule matches before any is applied, as in the stock component.
        for start, (_, starts) in enumerate(found):
            for rule in starts:
                end = start + len(rule.tests)
                if end <= len(keys) and all(test(keys[start + j])
                                            for j, test in enumerate(rule.tests[1:], 1)):
                    entries[start + rule.target] += (rule.entry,)
        for i, hits in enumerate(entries):
            if hits:
                set_token_attrs(doc[i], self._attributes(hits))
        return doc

    def _key(self, row: list[int]) -> Key:
        hashed = tuple(row)
        key = self._keys.get(hashed)
        if key is None:
            strings = self.vocab.strings
            key = self._keys[hashed] = (strings[row[0]], strings[row[1]], strings[row[2]],
                                        bool(row[3]))
        return key

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Apply to a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory("kg_fast_attribute_ruler")
def make_fast_attribute_ruler(nlp: Language, name: str) -> FastAttributeRuler:
    """An empty fast ruler; ``speed_up`` fills it with the stock ruler's rules."""
    return FastAttributeRuler(nlp.vocab, name)


def speed_up(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Swap the pipeline's stock attribute ruler for the fast one; False when left as it was."""
    if name not in nlp.pipe_names or not isinstance(nlp.get_pipe(name), AttributeRuler):
        return False
    stock = nlp.get_pipe(name)
    try:
        rules = compile_rules(stock.patterns)
    except UnsupportedRule as error:
        log.info("keeping spaCy's attribute ruler: %s", error)
        return False
    fast = nlp.replace_pipe(name, "kg_fast_attribute_ruler")
    fast.use(rules, stock.attrs)
    return True
