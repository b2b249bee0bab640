"""Recognitions: a state recognising another (often self-proclaimed) state as independent.

Cues are the verb "recognise" and the noun "recognition". Negated, intended,
refused or requested recognitions are not recognitions; withdrawals are kept
apart (``withdrawn=True``). Recognisers come from the subject (through "the
third country to recognise" and "one of the countries that recognise"), "by X",
lists ("the other two being A and B", "along with A") and "Countries
recognising Y: A, B, C".
"""
from __future__ import annotations

import re

from spacy.tokens import Span as SpacySpan
from spacy.tokens import Token

from kg.extract import ArticleContext
from kg.model import Mention, Recognition, Span
from kg.namespaces import NKG
from kg.nlp import Paragraph

EMITS = frozenset({NKG.Recognition, NKG.recognizer, NKG.recognized, NKG.recognizes,
                   NKG.evidence})

_CUE_LEMMAS = frozenset({"recognize", "recognise", "recognition"})
_WITHDRAW = frozenset({"withdraw", "revoke", "rescind", "retract", "suspend", "freeze",
                       "derecognize", "derecognise", "cancel", "reverse", "annul"})
_NOT_DONE = frozenset({"refuse", "decline", "reject", "consider", "plan", "intend", "urge",
                       "call", "ask", "demand", "want", "hope", "seek", "threaten", "expect",
                       "propose", "weigh", "debate", "discuss", "oppose", "push", "press",
                       "pressure", "encourage", "invite", "warn", "mull", "explore", "aim"})
_MODALS = frozenset({"may", "might", "could", "would", "should", "will", "shall", "must",
                     "can", "'ll", "’ll"})
_NEGATIONS = frozenset({"not", "never", "no", "n't", "n’t", "neither", "nor"})
_ALSO_RECOGNIZERS = re.compile(r"\b(?:other (?:\w+ )?(?:countries|states|nations)?|along with|"
                               r"alongside|as well as|joining|joins|joined|together with|"
                               r"like|besides)\b", re.IGNORECASE)
_DESCRIBED = re.compile(r"\b(?:separatist|breakaway|self-proclaimed|self-declared|rebel)\b",
                        re.IGNORECASE)


def extract(ctx: ArticleContext) -> list[Recognition]:
    """Every recognition (and withdrawal of recognition) the article reports."""
    found: list[Recognition] = []
    for paragraph, sentence in ctx.sentences():
        cues = [t for t in sentence if t.lemma_.lower() in _CUE_LEMMAS
                or t.lower_.startswith(("recognis", "recogniz"))]
        for cue in cues[:1]:  # one reading per sentence; later cues repeat the first
            found += _from_sentence(ctx, paragraph, sentence, cue)
    return _distinct(found)


def _from_sentence(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan,
                   cue: Token) -> list[Recognition]:
    withdrawn = _is_withdrawal(cue)
    if not withdrawn and not _is_actual(cue):
        return []
    begin = paragraph.offset + sentence.start_char
    end = paragraph.offset + sentence.end_char
    cue_position = paragraph.offset + cue.idx
    states = [m for m in ctx.mentions_in(begin, end) if m.type == "State"]
    states += _context_aliases(ctx, paragraph, sentence, states)
    recognized = _recognized(ctx, paragraph, sentence, cue_position, states)
    if not recognized:
        return []
    recognizers = _recognizers(ctx, paragraph, sentence, cue, states, recognized)
    evidence = Span.of(ctx.text, begin, end)
    return [Recognition(r, d, evidence, withdrawn=withdrawn)
            for r in recognizers for d in recognized
            if (r.gazetteer_key or r.name) != (d.gazetteer_key or d.name)]


def _is_withdrawal(cue: Token) -> bool:
    chain = [cue, *cue.ancestors][:4]
    return any(t.lemma_.lower() in _WITHDRAW for t in chain) or \
        cue.lower_.startswith(("derecogn", "de-recogn"))


def _is_actual(cue: Token) -> bool:
    """False for 'has no plans to recognise', 'refused to recognise', 'may recognise'."""
    chain = [cue, *cue.ancestors][:4]
    for token in chain:
        if token.lemma_.lower() in _NOT_DONE and token is not cue:
            return False
        for child in token.children:
            if child.lower_ in _NEGATIONS or child.dep_ == "neg":
                return False
            if child.dep_ == "aux" and child.lower_ in _MODALS:
                return False
            if child.dep_ == "det" and child.lower_ == "no":
                return False
        if token.dep_ in ("ROOT", "relcl"):
            break
    return True


def _context_aliases(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan,
                     states: list[Mention]) -> list[Mention]:
    """Short names ("Donetsk") that stand for a self-proclaimed state in this context."""
    added = []
    for entry in ctx.gazetteer.entries.values():
        for alias in entry.context_aliases:
            for found in re.finditer(rf"\b{re.escape(alias)}\b", sentence.text):
                begin = paragraph.offset + sentence.start_char + found.start()
                span = Span(begin, begin + len(alias), alias)
                if any(m.span.overlaps(span) for m in states):
                    continue
                mention = Mention(span, alias, "State", gazetteer_key=entry.key, kind="name")
                added.append(ctx.add_mention(mention))
    return added


def _recognized(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan,
                cue_position: int, states: list[Mention]) -> list[Mention]:
    after = [m for m in states if m.span.begin > cue_position and m.kind != "demonym"]
    proclaimed = [m for m in after if _self_proclaimed(ctx, m)]
    if proclaimed:
        return _unique(proclaimed)
    described = _described_states(ctx, paragraph, sentence, cue_position, after)
    if described:
        return described
    if after:
        return [after[0]]
    return []


def _self_proclaimed(ctx: ArticleContext, mention: Mention) -> bool:
    entry = ctx.gazetteer.get(mention.gazetteer_key) if mention.gazetteer_key else None
    return bool(entry and entry.self_proclaimed)


def _described_states(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan,
                      cue_position: int, after: list[Mention]) -> list[Mention]:
    """'the two separatist regions in Ukraine' → the self-proclaimed states in Ukraine."""
    local = cue_position - paragraph.offset - sentence.start_char
    found = _DESCRIBED.search(sentence.text, max(local, 0))
    if not found or not after:
        return []
    parent = after[0].gazetteer_key
    children = [e for e in ctx.gazetteer.entries.values()
                if e.self_proclaimed and e.parent and e.parent == parent]
    if not children:
        return []
    begin = paragraph.offset + sentence.start_char + found.start()
    span = Span.of(ctx.text, begin, after[0].span.end)
    return [ctx.add_mention(Mention(span, e.label, "State", gazetteer_key=e.key,
                                    kind="description")) for e in children]


def _recognizers(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan, cue: Token,
                 states: list[Mention], recognized: list[Mention]) -> list[Mention]:
    found: list[Mention] = []
    cue_position = paragraph.offset + cue.idx
    subject = _subject_state(ctx, paragraph, cue, states)
    if not subject and cue.pos_ == "VERB":
        # The small parser often misses the subject ("Nauru recognised X" as advmod):
        # take the state named last before the verb.
        subject = [m for m in states if m.span.end <= cue_position and m.kind != "demonym"
                   and m not in recognized][-1:]
    found += subject
    by = [t for t in cue.children if t.lower_ == "by"]
    for token in by:
        found += [m for m in states if _in_subtree(paragraph, m, token)]
    last_recognized = max(m.span.end for m in recognized)
    tail = ctx.text[last_recognized:paragraph.offset + sentence.end_char]
    also = _ALSO_RECOGNIZERS.search(tail)
    if also:
        start = last_recognized + also.start()
        found += [m for m in states if m.span.begin >= start and m not in recognized
                  and m.kind != "demonym"]
    colon = sentence.text.find(":", cue.idx - sentence.start_char)
    if not found and colon >= 0:
        start = paragraph.offset + sentence.start_char + colon
        found += [m for m in states if m.span.begin > start and m not in recognized]
    if not found:
        before = [m for m in states if m.span.end <= cue_position and m.kind != "demonym"
                  and m not in recognized]
        found += before[-1:]
    return _unique([m for m in found if m not in recognized])


def _subject_state(ctx: ArticleContext, paragraph: Paragraph, cue: Token,
                   states: list[Mention]) -> list[Mention]:
    """The state that is the subject of the cue, or of the clause it hangs from."""
    for token in [cue, *cue.ancestors][:5]:
        for child in token.children:
            if child.dep_ not in ("nsubj", "nsubjpass") or child.i == cue.i:
                continue
            if child.dep_ == "nsubjpass":
                continue
            if child.lower_ in ("they", "it", "who", "which", "that"):
                if child.lower_ in ("who", "which", "that"):
                    continue
                antecedent = _antecedent_state(ctx, paragraph.offset + child.idx)
                return [antecedent] if antecedent else []
            named = [m for m in states if _in_subtree(paragraph, m, child)
                     and m.kind != "demonym"]
            if named:
                return named
    return []


def _antecedent_state(ctx: ArticleContext, position: int) -> Mention | None:
    """The state a 'they'/'it' refers to: the last state named as subject or possessor."""
    candidates = [m for m in ctx.mentions if m.type == "State" and m.span.end <= position
                  and m.kind in ("name", "abbreviation")]
    recent = candidates[-4:]
    for mention in reversed(recent):
        if _is_subject_or_possessor(ctx, mention):
            return mention
    return recent[-1] if recent else None


def _is_subject_or_possessor(ctx: ArticleContext, mention: Mention) -> bool:
    following = ctx.text[mention.span.end:mention.span.end + 2]
    return following.startswith(("’s", "'s")) or _dep_of(ctx, mention) in ("nsubj", "poss")


def _dep_of(ctx: ArticleContext, mention: Mention) -> str:
    for paragraph in ctx.paragraphs:
        local = mention.span.begin - paragraph.offset
        if 0 <= local < len(paragraph.doc.text):
            span = paragraph.doc.char_span(local, mention.span.end - paragraph.offset,
                                           alignment_mode="expand")
            return span.root.dep_ if span is not None else ""
    return ""


def _in_subtree(paragraph: Paragraph, mention: Mention, token: Token) -> bool:
    subtree = list(token.subtree)
    begin = paragraph.offset + subtree[0].idx
    end = paragraph.offset + subtree[-1].idx + len(subtree[-1].text)
    return begin <= mention.span.begin and mention.span.end <= end


def _unique(mentions: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    kept = []
    for mention in mentions:
        key = mention.gazetteer_key or mention.name.lower()
        if key not in seen:
            seen.add(key)
            kept.append(mention)
    return kept


def _distinct(recognitions: list[Recognition]) -> list[Recognition]:
    seen: set[tuple[str, str, bool]] = set()
    kept = []
    for recognition in recognitions:
        key = (recognition.recognizer.gazetteer_key or recognition.recognizer.name,
               recognition.recognized.gazetteer_key or recognition.recognized.name,
               recognition.withdrawn)
        if key not in seen:
            seen.add(key)
            kept.append(recognition)
    return kept
