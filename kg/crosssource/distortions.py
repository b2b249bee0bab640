"""Distortions: where one report of a statement changes a fact relative to another report.

Two reports (claims of one statement) are aligned word by word; runs of changed words are
classified by the cue lists of ``crosssource_cues.json``:

* negation: a negation word or a negative prefix (un-, in-, dis-...) appears or disappears;
* quantity: the numbers differ;
* entity_swap: a different actor, country or demonym stands in the changed words;
* scope: "one of" becomes "the only", "all" becomes "some"...;
* modality (tense and aspect too): an intent, offer or readiness becomes a completed act,
  or a modal verb of certainty becomes one of possibility, and back.

Spelling variants (Donbas/Donbass, defence/defense) align as equal; a change of any other
word (a synonym) is harmless paraphrase and gives nothing. Attribution (the same words credited
to another speaker in a copy) is found between the claims of a copy and its source.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from kg import resources
from kg.crosssource.cues import cues
from kg.crosssource.entities import EntityMatcher, Mention, name_spans
from kg.crosssource.model import ClaimRecord, Derivation, Distortion, Doc, Evidence, Statement
from kg.crosssource.text import Token, content_stems, sentence_around, stem, tokens

MERGE_GAP = 2                  # equal words between two changes that still make one change
CONTEXT = 2                    # equal words either side that modality reads too
SPELLING = 0.85                # character similarity of two spellings of one word
SPELLING_NAME = 0.9            # ... of two spellings of a capitalised word
ATTRIBUTION_SIMILARITY = 0.6   # word similarity of a copied claim credited to someone else
LOCAL_WORDS = 8                # longest change a negation word is checked in
KIND_ORDER = ("negation", "quantity", "entity_swap", "scope", "modality")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")


# ---------------------------------------------------------------- alignment


@dataclass
class Block:
    """One run of changed words: the new report's tokens and the old report's tokens."""

    new: list[Token]
    old: list[Token]
    left: list[str]            # equal words just before (shared by both sides)
    right: list[str]           # equal words just after
    new_ops: list[list[Token]]
    old_ops: list[list[Token]]
    new_anchor: list[Token]    # the equal tokens around, in the new text (for empty changes)


def _spelling_equal(a: Token, b: Token) -> bool:
    if a.norm == b.norm:
        return True
    if a.is_number or b.is_number or len(a.norm) < 5 or len(b.norm) < 5:
        return False
    if a.norm[0] != b.norm[0]:
        return False
    for prefix in cues().negation_prefixes:   # "undemanding" is not a spelling of "demanding"
        if a.norm == prefix + b.norm or b.norm == prefix + a.norm:
            return False
    limit = SPELLING_NAME if a.text[:1].isupper() or b.text[:1].isupper() else SPELLING
    return fuzz.ratio(a.norm, b.norm) / 100 >= limit


def align(new: list[Token], old: list[Token]) -> list[Block]:
    """Blocks of changed words between two token lists, spelling variants counted equal."""
    old_keys = [t.norm for t in old]
    known = set(old_keys)
    new_keys = []
    for token in new:
        key = token.norm
        if key not in known:
            for other in old:
                if _spelling_equal(token, other):
                    key = other.norm
                    break
        new_keys.append(key)
    opcodes = SequenceMatcher(None, new_keys, old_keys, autojunk=False).get_opcodes()
    changes = [op for op in opcodes if op[0] != "equal"]
    blocks: list[Block] = []
    group: list[tuple] = []
    for op in changes:
        if group and op[1] - group[-1][2] > MERGE_GAP:
            blocks.append(_block(group, new, old, new_keys))
            group = []
        group.append(op)
    if group:
        blocks.append(_block(group, new, old, new_keys))
    return blocks


def _block(group: list[tuple], new: list[Token], old: list[Token], new_keys: list[str]
           ) -> Block:
    n1, n2 = group[0][1], group[-1][2]
    o1, o2 = group[0][3], group[-1][4]
    left = new_keys[max(0, n1 - CONTEXT):n1]
    right = new_keys[n2:n2 + CONTEXT]
    anchor = new[max(0, n1 - 1):n1] + new[n2:n2 + 1]
    return Block(new[n1:n2], old[o1:o2], left, right,
                 [new[op[1]:op[2]] for op in group if op[2] > op[1]],
                 [old[op[3]:op[4]] for op in group if op[4] > op[3]], anchor)


# ---------------------------------------------------------------- cues


def numbers(toks: list[Token]) -> list[float]:
    """The numbers a run of tokens states ("100,000", "1.3 million", "five thousand")."""
    c = cues()
    values: list[float] = []
    for index, token in enumerate(toks):
        value = None
        if _NUMBER.match(token.norm):
            text = token.norm
            if re.match(r"^\d{1,3}(,\d{3})+$", text):
                text = text.replace(",", "")
            try:
                value = float(text.replace(",", "."))
            except ValueError:
                continue
        elif token.norm in c.numbers and token.norm not in c.multipliers:
            value = c.numbers[token.norm]
        elif token.norm in c.multipliers and (index == 0 or toks[index - 1].norm not in
                                              c.numbers and not toks[index - 1].is_number):
            continue
        if value is None:
            continue
        after = toks[index + 1].norm if index + 1 < len(toks) else ""
        if after in c.multipliers:
            value *= c.multipliers[after]
        values.append(value)
    return values


def negations(toks: list[Token]) -> int:
    c = cues()
    return sum(1 for t in toks if t.norm in c.negation_words
               or any(t.norm.endswith(s) for s in c.negation_suffixes))


def prefix_flips(side: list[Token], other: list[Token]) -> list[Token]:
    """Tokens of ``side`` that are a negative-prefixed form of a word of ``other``, or the
    plain form of a negative-prefixed word of ``other``."""
    c = cues()
    other_norms = {t.norm for t in other}
    found = []
    for token in side:
        for prefix in c.negation_prefixes:
            plain = token.norm[len(prefix):]
            if token.norm.startswith(prefix) and len(plain) >= 4 and plain in other_norms:
                found.append(token)
                break
            if len(token.norm) >= 4 and prefix + token.norm in other_norms:
                found.append(token)
                break
    return found


@functools.lru_cache(maxsize=1)
def _scope_sizes() -> tuple[int, ...]:
    return tuple(sorted({len(p) for phrases in cues().scope.values() for p in phrases}))


def scope_classes(norms: list[str]) -> set[str]:
    """The scope classes (exclusive, partial, ...) whose phrases occur in ``norms``."""
    # every word run of a phrase's length, once: a set lookup per phrase, not a scan
    runs = {tuple(norms[i:i + size]) for size in _scope_sizes()
            for i in range(len(norms) - size + 1)}
    found = {name for name, phrases in cues().scope.items()
             if any(phrase in runs for phrase in phrases)}
    if "partial" in found:     # "one of the only countries" is partial, not exclusive
        found.discard("exclusive")
    return found


def _past_form(word: str) -> bool:
    return word.endswith("ed") or word in cues().irregular_past


def modality(block: list[str], left: list[str], right: list[str], other: list[str]) -> str | None:
    """actual | future | potential | possible, or None when the words carry no modality."""
    c = cues()
    seq = left + block + right
    offset = len(left)
    potential = actual = False
    past_forms = []
    for index in range(offset, offset + len(block)):
        word = seq[index]
        following = seq[index + 1] if index + 1 < len(seq) else ""
        before = seq[max(0, index - 3):index]
        if word in c.potential or (following == "to" and (word in c.potential_before_to or (
                _past_form(word) and any(w in c.be for w in before)
                and not any(w in c.perfect for w in before)))):
            potential = True    # "ready to", "is meant to", but not "has moved to"
        elif _past_form(word) and not word.endswith("ing"):
            if any(w in c.perfect for w in seq[max(0, index - 2):index]) or (
                    following != "to" and any(w in c.be_past for w in seq[max(0, index - 2):index])):
                actual = True
            elif word.endswith("ed"):
                past_forms.append(word)
    if block and right and _past_form(right[0]) and (block[-1] in c.perfect or (
            block[-1] in c.be_past and (len(right) < 2 or right[1] != "to"))):
        actual = True        # "was" + "signed", "has" + "sent": the participle is unchanged
    if not potential and past_forms and any(w in c.offer_verbs for w in other):
        actual = True        # "provided" where the other report says "offered"
    window = seq[max(0, offset - 1):offset + len(block)]
    future = any(w in c.future for w in window)
    possible = any(w in c.possible for w in window)
    if actual:
        return "actual"
    if potential:
        return "potential"
    if future:
        return "future"
    if possible:
        return "possible"
    return None


# ---------------------------------------------------------------- one block


@dataclass(frozen=True)
class Change:
    kind: str
    new: tuple[int, int] | None     # character span in the new text
    old: tuple[int, int] | None     # character span in the old text


def _span(toks: Iterable[Token]) -> tuple[int, int] | None:
    toks = list(toks)
    if not toks:
        return None
    return min(t.begin for t in toks), max(t.end for t in toks)


def _ops_holding(ops: list[list[Token]], focus: list[Token]) -> list[Token]:
    keys = {(t.begin, t.end) for t in focus}
    return [t for op in ops if any((x.begin, x.end) in keys for x in op) for t in op]


def classify(block: Block, new_mentions: list[Mention], old_mentions: list[Mention],
             new_entities: set[str], old_entities: set[str], new_words: set[str],
             old_words: set[str]) -> Change | None:
    """The kind of one change (the first of KIND_ORDER that applies), or None."""
    new_span = _span(block.new) or _span(block.new_anchor)
    old_span = _span(block.old)
    new_norms = [t.norm for t in block.new]
    old_norms = [t.norm for t in block.old]

    # negation
    flips = prefix_flips(block.new, block.old) + prefix_flips(block.old, block.new)
    if flips or (negations(block.new) % 2 != negations(block.old) % 2 and _local(block)):
        focus_new = [t for t in block.new if t in flips or negations([t])]
        focus = _span(focus_new) if focus_new else None
        if focus is None and block.new_ops:
            focus = _span(block.new_ops[0])
        if focus is None:      # the negation went away: the word it stood by
            focus = _span(block.new_anchor[-1:]) or new_span
        return Change("negation", focus, old_span)

    # quantity
    values_new, values_old = numbers(block.new), numbers(block.old)
    if values_new and values_old and sorted(values_new) != sorted(values_old):
        focus_new = [t for t in block.new if t.is_number or t.norm in cues().numbers]
        focus_old = [t for t in block.old if t.is_number or t.norm in cues().numbers]
        return Change("quantity", _span(focus_new) or new_span, _span(focus_old) or old_span)

    # entity swap
    in_new = [m for m in new_mentions if _overlaps(m, block.new)]
    in_old = [m for m in old_mentions if _overlaps(m, block.old)]
    for mention in in_new:
        if mention.entity in old_entities:
            continue
        head = mention.text.split()[-1].casefold()
        replaced = any(m.entity not in new_entities for m in in_old) or bool(
            _proper_names(block.old, old_mentions) and not {
                t.norm for t in block.old} & new_words)
        qualified = len(mention.text.split()) > 1 and re.sub(r"\W", "", head) in old_words
        if replaced or qualified:
            return Change("entity_swap", (mention.begin, mention.end),
                          _span(t for m in in_old for t in block.old if _overlaps(m, [t]))
                          or old_span)

    # a different proper name where the gazetteer knows neither ("in Kharkiv" → "in Odesa")
    names_new = _proper_names(block.new, new_mentions)
    names_old = _proper_names(block.old, old_mentions)
    if names_new and names_old and not {t.norm for t in names_new} & old_words and not {
            t.norm for t in names_old} & new_words:
        return Change("entity_swap", _span(names_new), _span(names_old))

    # scope
    scope_new = scope_classes(block.left + new_norms + block.right)
    scope_old = scope_classes(block.left + old_norms + block.right)
    if scope_new and scope_old and scope_new != scope_old:
        return Change("scope", new_span, old_span)

    # modality, tense, aspect
    mode_new = modality(new_norms, block.left, block.right, old_norms)
    mode_old = modality(old_norms, block.left, block.right, new_norms)
    if mode_new and mode_old and mode_new != mode_old:
        return Change("modality", new_span, old_span)
    return None


def _proper_names(toks: list[Token], mentions: list[Mention]) -> list[Token]:
    """The changed words when all of them are capitalised names outside known mentions (and
    not the first word of a sentence)."""
    if not toks or len(toks) > 3 or any(_overlaps(m, toks) for m in mentions):
        return []
    if all(t.text[:1].isupper() and t.norm not in cues().stopwords and not t.is_number
           for t in toks):
        return toks
    return []


def _local(block: Block) -> bool:
    """Whether a change is small enough for a negation word to be its point: a few words on
    each side, the same words apart from the negation ("does not pose" / "poses"). A rewritten
    sentence with a "no" here and a "can't" there is not a flipped statement."""
    if len(block.new) > LOCAL_WORDS or len(block.old) > LOCAL_WORDS:
        return False
    plain_new = {stem(t.norm) for t in block.new if not negations([t])} - cues().stopwords
    plain_old = {stem(t.norm) for t in block.old if not negations([t])} - cues().stopwords
    if not block.new or not block.old:     # an inserted "not"/"never", not a new clause
        return len(plain_new | plain_old) <= 1
    return not plain_new or not plain_old or bool(plain_new & plain_old) or (
        len(plain_new) <= 2 and len(plain_old) <= 2)


def _overlaps(mention: Mention, toks: list[Token]) -> bool:
    return any(mention.begin < t.end and t.begin < mention.end for t in toks)


def compare(new_text: str, new_range: tuple[int, int], old_text: str,
            old_range: tuple[int, int], matcher: EntityMatcher) -> list[Change]:
    """The changes of fact from the old report (``old_text[old_range]``) to the new one."""
    new_tokens = tokens(new_text, *new_range)
    old_tokens = tokens(old_text, *old_range)
    new_mentions = matcher.mentions(new_text, *new_range)
    old_mentions = matcher.mentions(old_text, *old_range)
    new_entities = {m.entity for m in new_mentions}
    old_entities = {m.entity for m in old_mentions}
    new_words = {re.sub(r"\W", "", t.norm) for t in new_tokens}
    old_words = {re.sub(r"\W", "", t.norm) for t in old_tokens}
    changes = []
    for block in align(new_tokens, old_tokens):
        change = classify(block, new_mentions, old_mentions, new_entities, old_entities,
                          new_words, old_words)
        if change is not None and change.new is not None:
            changes.append(change)
    return changes


# ---------------------------------------------------------------- across a statement


def directed_sources(derivations: Iterable[Derivation]) -> dict[str, list[str]]:
    """Each copy's sources, most confident first."""
    sources: dict[str, list[str]] = defaultdict(list)
    for derivation in sorted(derivations, key=lambda d: (-d.confidence, d.source)):
        if derivation.directed:
            sources[derivation.copy].append(derivation.source)
    return sources


def pick_original(member: ClaimRecord, members: list[ClaimRecord], docs: dict[str, Doc],
                  sources: dict[str, list[str]]) -> ClaimRecord | None:
    """The report ``member`` is compared with: its article's lineage source when that
    reports the statement, else the earliest independent report (None when ``member`` is
    itself independent and not dated after another independent report)."""
    by_article = {m.article: m for m in members if m.iri != member.iri}
    for source in sources.get(member.article, ()):
        if source in by_article:
            return by_article[source]
    independent = [m for m in by_article.values() if m.article not in sources]
    if not independent:
        return None
    dated = sorted((docs[m.article].date[:10], m.iri, m) for m in independent
                   if docs.get(m.article) and docs[m.article].date)
    if member.article in sources:          # a copy whose own source lacks the statement
        if dated:
            return dated[0][2]
        if len(independent) == 1:
            return independent[0]
        return max(independent, key=lambda m: (Indel.normalized_similarity(
            member.anchor.split(), m.anchor.split()), m.iri))
    own = docs.get(member.article)
    if own and own.date and dated and dated[0][0] < own.date[:10]:
        return dated[0][2]
    return None


def distortion_pairs(statements: Iterable[Statement], claims: dict[str, ClaimRecord],
                     docs: dict[str, Doc], sources: dict[str, list[str]]
                     ) -> list[tuple[ClaimRecord, ClaimRecord]]:
    """Each report of ``statements`` with the report it is compared with (``pick_original``),
    in order; ``sources`` is ``directed_sources`` of the derivations."""
    pairs = []
    for statement in statements:
        members = [claims[c] for c in statement.claims if c in claims]
        for member in members:
            original = pick_original(member, members, docs, sources)
            if original is not None:
                pairs.append((member, original))
    return pairs


def distortions_between(member: ClaimRecord, original: ClaimRecord, docs: dict[str, Doc],
                        matcher: EntityMatcher) -> list[Distortion]:
    new_text, old_text = docs[member.article].text, docs[original.article].text
    out = []
    for change in compare(new_text, (member.begin, member.end), old_text,
                          (original.begin, original.end), matcher):
        begin, end = change.new
        evidence = Evidence(member.article, begin, end, new_text[begin:end])
        before = None
        if change.old:
            before = Evidence(original.article, change.old[0], change.old[1],
                              old_text[change.old[0]:change.old[1]])
        out.append(Distortion(member.iri, original.iri, change.kind, evidence, before))
    return out


# ---------------------------------------------------------------- attribution


@functools.lru_cache(maxsize=1)
def _title_words() -> frozenset[str]:
    try:
        return frozenset(w for line in resources.lines("titles.txt") for w in line.split())
    except resources.KGError:
        return frozenset()


def attribution_span(text: str, claim: ClaimRecord, names: set[str]) -> tuple[int, int] | None:
    """The words that credit ``claim`` to its claimant: the nearest name of the claimant in
    the claim's sentence (or the one before), with the titles and capitalised words before it."""
    begin, end = sentence_around(text, claim.begin, claim.end)
    window_begin, _ = sentence_around(text, max(0, begin - 2), max(0, begin - 1))
    if window_begin > begin:
        window_begin = begin
    spans = [s for s in name_spans(text, names, window_begin, end)
             if not (claim.begin <= s[0] < claim.end)]
    if not spans:
        return None
    name_begin, name_end = min(spans, key=lambda s: min(abs(s[0] - claim.begin),
                                                         abs(s[0] - claim.end)))
    before = [t for t in tokens(text, begin if name_begin >= begin else window_begin,
                                name_begin)]
    first = name_begin
    for token in reversed(before[-6:]):
        gap = text[token.end:first]
        if gap.strip() or not (token.text[:1].isupper() or token.norm in _title_words()):
            break
        first = token.begin
    return first, name_end


def find_attributions(claims: list[ClaimRecord], statement_of: dict[str, str],
                      docs: dict[str, Doc], derivations: Iterable[Derivation],
                      matcher: EntityMatcher) -> list[Distortion]:
    """Claims of a copy whose words its source credits to a different speaker."""
    by_article: dict[str, list[ClaimRecord]] = defaultdict(list)
    for claim in claims:
        by_article[claim.article].append(claim)
    found = []
    for derivation in derivations:
        if not derivation.directed or derivation.kind == "shared_source":
            continue
        copies, sources = by_article.get(derivation.copy, []), by_article.get(
            derivation.source, [])
        for claim in copies:
            stems = set(content_stems(claim.anchor))
            best, match = 0.0, None
            for other in sources:
                other_stems = set(content_stems(other.anchor))
                if not stems or not other_stems:
                    continue
                score = 2 * len(stems & other_stems) / (len(stems) + len(other_stems))
                if score > best:
                    best, match = score, other
            if match is None or best < ATTRIBUTION_SIMILARITY:
                continue
            if matcher.same(claim.claimant, match.claimant):
                continue
            if statement_of.get(claim.iri) and statement_of.get(claim.iri) == statement_of.get(
                    match.iri):
                continue
            text, source_text = docs[claim.article].text, docs[match.article].text
            span = attribution_span(text, claim, matcher.names_of(claim.claimant))
            if span is None:
                continue
            before = attribution_span(source_text, match, matcher.names_of(match.claimant))
            found.append(Distortion(
                claim.iri, match.iri, "attribution", Evidence(claim.article, *span,
                                                              text[span[0]:span[1]]),
                Evidence(match.article, *before, source_text[before[0]:before[1]])
                if before else None))
    return found


__all__ = ["align", "classify", "compare", "distortion_pairs", "find_attributions",
           "distortions_between", "pick_original", "numbers", "negations", "modality",
           "scope_classes", "Block", "Change", "KIND_ORDER"]
