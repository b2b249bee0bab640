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
_WITHDRAW = frozenset({"withdraw", "revoke", "rescind", "retract", "suspend", "freeze", "pull",
                       "drop", "abandon", "end",
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
    previous: list[Mention] = []     # what the last recognition recognised ("them", "both")
    for paragraph, sentence in ctx.sentences():
        cues = [t for t in sentence if t.lemma_.lower() in _CUE_LEMMAS
                or t.lower_.startswith(("recognis", "recogniz"))]
        for index, cue in enumerate(cues):
            following = cues[index + 1] if index + 1 < len(cues) else None
            results = _from_cue(ctx, paragraph, sentence, cue, following, previous)
            if results:
                previous = _unique([r.recognized for r in results])
            found += results
    return _distinct(found)


def _from_cue(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan, cue: Token,
              following: Token | None, previous: list[Mention]) -> list[Recognition]:
    withdrawn = _is_withdrawal(cue)
    if not withdrawn and not _is_actual(cue):
        return []
    begin = paragraph.offset + sentence.start_char
    end = paragraph.offset + sentence.end_char
    limit = paragraph.offset + following.idx if following is not None else end
    states = [m for m in ctx.mentions_in(begin, end) if m.type == "State"]
    states += _context_aliases(ctx, paragraph, sentence, states)
    states += _capitals(ctx, paragraph, sentence, states)
    if cue.pos_ == "NOUN" and not _nominal_object(cue):
        return []  # "recognition is irreversible": no one recognising anyone here
    recognized = _recognized(ctx, paragraph, sentence, cue,
                             [m for m in states if m.span.begin < limit])
    if not recognized and _refers_back(cue) and previous:
        recognized = previous   # "Venezuela recognised them", "both territories"
    if not recognized:
        return []
    recognizers = _recognizers(ctx, paragraph, sentence, cue, states, recognized)
    evidence = Span.of(ctx.text, begin, end)
    return [Recognition(r, d, evidence, withdrawn=withdrawn)
            for r in recognizers for d in recognized
            if (r.gazetteer_key or r.name) != (d.gazetteer_key or d.name)]


def _nominal_object(cue: Token) -> bool:
    """A recognition noun names what is recognised ("recognition of Kosovo", or with its
    verb: "switched recognition to Beijing")."""
    return any(child.lower_ in ("of", "for", "to") for child in cue.children) or \
        bool(_verb_destination(cue))


def _verb_destination(cue: Token) -> list[Token]:
    """'switched/extended/granted recognition to X': the verb's 'to' object."""
    if cue.dep_ != "dobj":
        return []
    return [o for c in cue.head.children if c.dep_ == "prep" and c.lower_ == "to"
            for o in c.children if o.dep_ == "pobj"]


_BACK_REFERENCES = frozenset({"them", "it", "both", "either", "these", "those", "territories",
                              "regions", "republics", "entities", "states", "republic",
                              "territory", "region", "entity"})


def _refers_back(cue: Token) -> bool:
    """Whether the cue's object is a pronoun or description of states named before."""
    objects = [c for c in cue.children if c.dep_ in ("dobj", "pobj", "attr")]
    for child in cue.children:
        if child.dep_ == "prep":
            objects += [c for c in child.children if c.dep_ == "pobj"]
    return any(t.lower_ in _BACK_REFERENCES for o in objects for t in o.subtree)


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


def _capitals(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan,
              states: list[Mention]) -> list[Mention]:
    """In a recognition, a capital stands for its government ("switched recognition to
    Beijing"), even where it is not a subject."""
    added = []
    local = sentence.start_char
    for hit in ctx.gazetteer.find(sentence.text):
        if hit.form.kind != "metonym" or hit.form.entry.type != "State":
            continue
        span = Span(paragraph.offset + local + hit.begin, paragraph.offset + local + hit.end,
                    hit.text)
        if any(m.span.overlaps(span) for m in states):
            continue
        added.append(ctx.add_mention(Mention(span, hit.text, "State",
                                             gazetteer_key=hit.form.entry.key, kind="metonym")))
    return added


def _recognized(ctx: ArticleContext, paragraph: Paragraph, sentence: SpacySpan, cue: Token,
                states: list[Mention]) -> list[Mention]:
    """The states the cue's object names: 'recognised X and Y', 'recognition of X'."""
    cue_position = paragraph.offset + cue.idx
    after = [m for m in states if m.span.begin > cue_position and m.kind != "demonym"]
    targets = [c for c in cue.children if c.dep_ in ("dobj", "attr", "oprd", "nsubjpass")]
    targets += [o for c in cue.children if c.dep_ == "prep" and c.lower_ in ("of", "for", "to")
                for o in c.children if o.dep_ == "pobj"]
    targets += _verb_destination(cue)
    if targets:
        inside = [m for m in after if any(_in_subtree(paragraph, m, t) for t in targets)]
        inside += _listed_after(ctx, inside, after)
        after = inside or ([] if any(t.lower_ in _BACK_REFERENCES for target in targets
                                     for t in target.subtree) else after)
    proclaimed = [m for m in after if _self_proclaimed(ctx, m)]
    if proclaimed:
        return _unique(proclaimed)
    described = _described_states(ctx, paragraph, sentence, cue_position, after)
    if described:
        return described
    if targets and after:
        return _unique(after)
    return after[:1]


_LIST_GLUE = re.compile(r"^[\s,()\[\]]*(?:and|&|as well as|or)?[\s,()\[\]]*$")


def _listed_after(ctx: ArticleContext, inside: list[Mention], after: list[Mention]
                  ) -> list[Mention]:
    """States that continue a list the parser cut short ("X (DNR) and Y (LNR)")."""
    if not inside:
        return []
    extra: list[Mention] = []
    last = max(inside, key=lambda m: m.span.end)
    for mention in sorted(after, key=lambda m: m.span.begin):
        if mention.span.begin < last.span.end or mention in inside:
            continue
        if not _LIST_GLUE.match(ctx.text[last.span.end:mention.span.begin]):
            break
        extra.append(mention)
        last = mention
    return extra


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
    found += _subject_state(ctx, paragraph, cue, states)
    for token in cue.subtree:
        if token.lower_ == "by" and token.i > cue.i:    # "recognition of X by A and B"
            found += [m for m in states if _in_subtree(paragraph, m, token)]
    if not found and cue.pos_ == "VERB":
        # The small parser often misses the subject ("Nauru recognised X" as advmod):
        # take the state named last before the verb.
        found += [m for m in states if m.span.end <= cue_position and m.kind != "demonym"
                  and m not in recognized][-1:]
    last_recognized = max(m.span.end for m in recognized)
    tail = ctx.text[last_recognized:paragraph.offset + sentence.end_char]
    also = _ALSO_RECOGNIZERS.search(tail)
    if also and last_recognized > cue_position:
        start = last_recognized + also.start()
        found += [m for m in states if m.span.begin >= start and m not in recognized
                  and m.kind != "demonym"]
    colon = sentence.text.find(":", cue.idx - sentence.start_char)
    if not found and colon >= 0:
        start = paragraph.offset + sentence.start_char + colon
        found += [m for m in states if m.span.begin > start and m not in recognized]
    return _unique([m for m in found if m not in recognized])


def _subject_state(ctx: ArticleContext, paragraph: Paragraph, cue: Token,
                   states: list[Mention]) -> list[Mention]:
    """The state that is the subject of the cue, or of the clause it hangs from."""
    def named_in(token: Token, exclude: Token | None = None) -> list[Mention]:
        inside = [m for m in states if _in_subtree(paragraph, m, token) and m.kind != "demonym"]
        if exclude is not None:
            inside = [m for m in inside if not _in_subtree(paragraph, m, exclude)]
        return inside

    for token in [cue, *cue.ancestors][:5]:
        if token is not cue and token.pos_ in ("VERB", "AUX") and token.dep_ not in (
                "relcl", "acl", "xcomp"):
            last_clause = True   # the clause the cue belongs to: look no higher
        else:
            last_clause = False
        if token.dep_ == "relcl" and any(
                m.span.begin <= paragraph.offset + token.head.idx < m.span.end for m in states):
            # "France, Canada and Australia, which all recognised Palestine"
            antecedents = named_in(token.head, exclude=token)
            if antecedents:
                return antecedents
        if token.pos_ == "NOUN" and token.head.lemma_ == "be" and token is not cue:
            # "the only country to recognise Northern Cyprus is Turkey"
            attributes = [c for c in token.head.children if c.dep_ == "attr" and c.i != token.i]
            found = [m for a in attributes for m in named_in(a)]
            if found:
                return found
        for child in token.children:
            if child.dep_ == "poss" and token is cue:
                found = named_in(child)          # "Moscow's recognition of Abkhazia"
                if found:
                    return found
            if child.dep_ != "nsubj" or child.i == cue.i:
                continue
            if child.lower_ in ("who", "which", "that"):
                continue
            if child.lower_ in ("they", "it"):
                antecedent = _antecedent_state(ctx, paragraph.offset + child.idx)
                return [antecedent] if antecedent else []
            named = named_in(child)
            if named:
                return named
        if last_clause:
            break
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
    tokens = ctx.tokens_of(mention)
    return following.startswith(("’s", "'s")) or (
        tokens is not None and tokens.root.dep_ in ("nsubj", "poss"))


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
