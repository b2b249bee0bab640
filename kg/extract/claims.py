"""Claims: quotes and reported speech, with the claimant and the exact content span.

A claim is found from a speech cue (a speech verb with a subject, "according to
X", "X's assessment is that") and its content: the quotation it attributes, or
else the clause the verb reports. Claimants are named actors, pronouns and
descriptions resolved to the last fitting actor, or anonymous singular sources
("a South Korean report"); generic plural sources ("experts") make no claim.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from kg import resources
from kg.extract import ArticleContext
from kg.extract.actors import honorifics
from kg.extract.roles import is_title_word, last_person_before
from kg.resolve import same_surname
from kg.model import Claim, Mention, Span
from kg.namespaces import NKG
from kg.nlp import Paragraph

EMITS = frozenset({NKG.Claim, NKG.claimant, NKG.text, NKG.reportedIn, NKG.about, NKG.evidence})

MIN_QUOTE_WORDS = 4          # shorter quotations are scare quotes inside reported speech
MIN_CONTENT_WORDS = 4
# Speech-verb classes whose object is what was said ("denied the report that …").
_CONTENT_CLASSES = frozenset({"assert", "deny", "warn", "accuse", "appeal", "predict", "report",
                              "concede", "confirm", "question", "threaten", "promise",
                              "criticize"})
DUPLICATE_OVERLAP = 0.6      # share of content words that makes two claims one statement

_QUOTE_PAIRS = (("\u201c", "\u201d"), ('"', '"'), ("\u00ab", "\u00bb"))
_WORD = re.compile(r"[\w’'-]*\w")
_FALLBACK_VERBS = ("say tell claim insist warn deny state add note assert announce allege "
                   "argue report write stress explain admit confirm suggest declare").split()
_PRONOUNS_PERSON = frozenset({"he", "she"})
_PRONOUNS_GROUP = frozenset({"they", "it", "we"})
_ANONYMOUS_HEADS = {"source": "Person", "official": "Person", "diplomat": "Person",
                    "insider": "Person", "spokesman": "Person", "spokeswoman": "Person",
                    "spokesperson": "Person", "person": "Person", "report": "Organization",
                    "newspaper": "Organization", "outlet": "Organization"}
_HEADLINE_TRAILING = re.compile(r"^(?P<content>.{12,}?),?\s+(?P<verb>says|said|claims|warns|"
                                r"insists|reports|tells)\s+(?P<who>[^,;:]{2,60})$",
                                re.IGNORECASE)
# "‘Recognition is not for sale,’ Ramaphosa tells Polisario leader": the speaker first.
_HEADLINE_SUBJECT = re.compile(r"^[\u2018\u201c'\"]?(?P<content>.{12,}?)[,.!?]?[\u2019\u201d'\"]\s+"
                               r"(?P<who>[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3})\s+"
                               r"(?P<verb>says|said|tells|told|warns|insists|claims)\b")
_HEADLINE_COLON = re.compile(r"^(?P<content>.{12,}):\s+(?P<who>[^:]{2,40})$")
_HEADLINE_LEADING = re.compile(r"^(?P<who>.{2,60}?)\s+(?P<verb>Says|Claims|Warns|Insists|"
                               r"Reports)\s+(?P<content>.{12,})$")


@functools.lru_cache(maxsize=1)
def speech_verbs() -> dict[str, str]:
    """Speech-verb lemma → class (assert, deny, appeal, ...), from speech_verbs.txt."""
    try:
        rows = resources.lines("speech_verbs.txt")
    except resources.KGError:
        return {verb: "assert" for verb in _FALLBACK_VERBS}
    verbs: dict[str, str] = {}
    for row in rows:
        parts = row.split("\t")
        lemma = parts[0].strip().lower()
        verbs[lemma.split()[0]] = parts[1].strip() if len(parts) > 1 else "assert"
    return verbs


@functools.lru_cache(maxsize=1)
def generic_sources() -> frozenset[str]:
    try:
        rows = resources.lines("generic_sources.txt")
    except resources.KGError:
        rows = ("experts", "analysts", "pundits", "observers", "critics", "estimates")
    return frozenset(row.split("\t")[0].strip().lower() for row in rows)


@dataclass
class Quote:
    """A quotation inside a paragraph: doc character offsets of its inner text."""

    begin: int
    end: int

    def words(self, text: str) -> int:
        return len(_WORD.findall(text[self.begin:self.end]))


@dataclass
class Cue:
    """A speech cue: who speaks (a resolved mention) and the token that carries the cue."""

    claimant: Mention
    token: Token
    kind: str


def extract(ctx: ArticleContext) -> list[Claim]:
    """Every claim in the article, one per (claimant, distinct statement)."""
    claims: list[Claim] = []
    for paragraph in ctx.body_paragraphs():
        claims += _paragraph_claims(ctx, paragraph, ctx.speakers)
    claims += _headline_claims(ctx)
    for claim in claims:
        claim.about = [m for m in ctx.mentions_in(claim.evidence.begin, claim.evidence.end)
                       if m is not claim.claimant and m.kind != "byline"]
    return _distinct(claims)


# ---------------------------------------------------------------- quotations


def find_quotes(text: str) -> list[Quote]:
    """Quotations in a paragraph; an unclosed one runs to the paragraph's end."""
    quotes: list[Quote] = []
    for opening, closing in _QUOTE_PAIRS:
        position = 0
        while True:
            begin = text.find(opening, position)
            if begin < 0:
                break
            end = text.find(closing, begin + 1)
            if end < 0:
                end = len(text)
            if not any(q.begin <= begin + 1 < q.end for q in quotes):
                quotes.append(Quote(begin + 1, end))
            position = end + 1
    return sorted(quotes, key=lambda q: q.begin)


def _inside(quotes: list[Quote], char: int) -> bool:
    return any(q.begin <= char < q.end for q in quotes)


def _paragraph_claims(ctx: ArticleContext, paragraph: Paragraph,
                      last_speaker: list[Mention]) -> list[Claim]:
    doc = paragraph.doc
    if ctx.is_title_case(paragraph):
        return []  # headline case parses badly; the title's own patterns handle headlines
    every_quote = find_quotes(doc.text)
    cues = [cue for cue in _cues(ctx, paragraph) if not _inside(every_quote, cue.token.idx)]
    groups = [group for group in _group_split_quotes(doc, every_quote, cues)
              if sum(q.words(doc.text) for q in group) >= MIN_QUOTE_WORDS]
    # A quotation inside a reported clause ("said that the Kremlin “should not …”") is
    # part of that reported claim, not a claim of its own.
    clauses = [(cue, content) for cue in cues
               if (content := _reported_content(doc, cue, [])) is not None]
    groups = [group for group in groups
              if not any(begin < group[0].begin - 1 and group[-1].end <= end + 1
                         for _, (begin, end) in clauses)]
    quotes = [q for group in groups for q in group]
    claims: list[Claim] = []
    used_cues: set[int] = set()
    for group in groups:
        cue = _nearest_cue(doc, group, cues)
        if cue is not None:
            used_cues.add(cue.token.i)
            claimant = cue.claimant
        elif _quote_only(doc.text, group) and last_speaker:
            claimant = last_speaker[-1]  # an unattributed quote continues the last speaker
        else:
            continue
        for part in _split_sentences(doc, group):
            evidence = ctx.span(paragraph, part[0].begin, part[-1].end)
            text = " ".join(doc.text[q.begin:q.end].strip() for q in part)
            claims.append(Claim(claimant, _strip_punct(text), _trim_evidence(ctx, evidence),
                                cue=cue.token.lemma_ if cue else "", kind="quote"))
        last_speaker.append(claimant)
    for cue in cues:
        if cue.token.i in used_cues:
            continue
        content = _reported_content(doc, cue, quotes)
        if content is None:
            continue
        begin, end = content
        inner = [other for other in cues if other is not cue and begin <= other.token.idx < end
                 and (other.kind == "according_to" or any(
                     c.dep_ in ("ccomp", "xcomp") for c in other.token.children))]
        if any(other.claimant is not cue.claimant for other in inner):
            continue  # an outer frame ("according to the Post, TV said …"): the inner cue wins
        if inner:
            # The same speaker goes on ("… and added that …"): a point of its own when it
            # is long enough, else part of this claim ("and said they were motivated").
            joint = inner[0].token
            rest = _reported_content(doc, inner[0], quotes)
            if rest is not None and len(_WORD.findall(doc.text[rest[0]:rest[1]])) >= 8:
                end = joint.nbor(-1).idx if joint.i > 0 and joint.nbor(-1).lower_ in (
                    "and", "but") else joint.idx
            else:
                used_cues.update(other.token.i for other in inner)
        evidence = ctx.span(paragraph, begin, end)
        if len(_WORD.findall(evidence.text)) < MIN_CONTENT_WORDS:
            continue
        claims.append(Claim(cue.claimant, _strip_punct(evidence.text),
                            _trim_evidence(ctx, evidence), cue=cue.token.lemma_,
                            kind=cue.kind))
        last_speaker.append(cue.claimant)
    return _join_short_continuations(ctx, claims)


def _join_short_continuations(ctx: ArticleContext, claims: list[Claim]) -> list[Claim]:
    """'X called them "resilient" and said they were "motivated"': a short second part by
    the same speaker in the same sentence belongs to the first claim."""
    joined: list[Claim] = []
    for claim in sorted(claims, key=lambda c: c.evidence.begin):
        previous = joined[-1] if joined else None
        if previous is not None and previous.claimant is claim.claimant and \
                claim.kind != "quote" and len(_WORD.findall(claim.text)) < 8 and \
                0 <= claim.evidence.begin - previous.evidence.end < 40 and \
                "\n" not in ctx.text[previous.evidence.end:claim.evidence.begin] and \
                "." not in ctx.text[previous.evidence.end:claim.evidence.begin]:
            evidence = Span.of(ctx.text, previous.evidence.begin, claim.evidence.end)
            previous.evidence = evidence
            previous.text = _strip_punct(f"{previous.text} {claim.text}")
            continue
        joined.append(claim)
    return joined


def _group_split_quotes(doc: Doc, quotes: list[Quote], cues: list[Cue]) -> list[list[Quote]]:
    """Join '"A," he said, "b..."' into one group: the second part goes on in lower case."""
    groups: list[list[Quote]] = []
    for quote in quotes:
        if groups:
            previous = groups[-1][-1]
            between = doc.text[previous.end:quote.begin]
            # '"We have not," she said, "sent a soldier."': a comma closes the first part
            # and the second goes on in lower case.
            continues = doc.text[quote.begin:quote.begin + 1].islower() and \
                doc.text[previous.begin:previous.end].rstrip().endswith(",")
            if continues and len(between) < 80 and any(
                    previous.end <= c.token.idx < quote.begin for c in cues):
                groups[-1].append(quote)
                continue
        groups.append([quote])
    return groups


def _split_sentences(doc: Doc, group: list[Quote]) -> list[list[Quote]]:
    """A quotation of several sentences: one claim per sentence of 12 words or more.

    Shorter sentences ("It is obviously not over.") stay with the one before them;
    each part is then split again where it joins two propositions.
    """
    if len(group) != 1:
        return _split_conjoined(doc, group)
    quote = group[0]
    chunks: list[Quote] = []
    for sentence in doc.sents:
        begin, end = max(sentence.start_char, quote.begin), min(sentence.end_char, quote.end)
        if begin >= end or not _WORD.search(doc.text[begin:end]):
            continue
        part = Quote(begin, end)
        if chunks and (part.words(doc.text) < 12 or chunks[-1].words(doc.text) < 12):
            chunks[-1] = Quote(chunks[-1].begin, end)
        else:
            chunks.append(part)
    if not chunks:
        return [group]
    return [piece for chunk in chunks for piece in _split_conjoined(doc, [chunk])]


def _split_conjoined(doc: Doc, group: list[Quote]) -> list[list[Quote]]:
    """'A are ready to come and B are ready to work': two propositions, two claims."""
    if len(group) != 1:
        return [group]
    quote = group[0]
    span = doc.char_span(quote.begin, quote.end, alignment_mode="contract")
    if span is None:
        return [group]
    for token in span:
        if token.dep_ != "conj" or token.pos_ not in ("VERB", "AUX") or \
                not any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children):
            continue
        subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
        subject_start = min(t.i for t in subjects[0].subtree)
        joint = doc[subject_start - 1] if subject_start > span.start else None
        if joint is None or joint.lower_ not in ("and", "but", "while") or \
                token.head.i < span.start:
            continue
        second_begin = doc[subject_start].idx
        first = Quote(quote.begin, joint.idx)
        second = Quote(second_begin, quote.end)
        # Each side must be a substantial proposition of its own.
        if first.words(doc.text) >= 10 and second.words(doc.text) >= 10:
            return [[first], [second]]
    return [group]


def _nearest_cue(doc: Doc, group: list[Quote], cues: list[Cue]) -> Cue | None:
    """The cue closest to a quotation in its paragraph, preferring one right after it.

    A speech verb beats "according to": in '"…," Kim said, according to KCNA' Kim speaks.
    """
    begin, end = group[0].begin, group[-1].end
    best: tuple[int, Cue] | None = None
    verbal = [cue for cue in cues if cue.kind != "according_to"]
    for cue in verbal or cues:
        position = cue.token.idx
        if begin <= position < end:
            distance = 0
        elif position >= end:
            distance = position - end
        else:
            distance = (begin - position) * 2  # a cue before the quote is weaker evidence
        if best is None or distance < best[0]:
            best = (distance, cue)
    return best[1] if best else None


def _quote_only(text: str, group: list[Quote]) -> bool:
    """Whether the paragraph is (almost) nothing but this quotation."""
    outside = text[:group[0].begin] + text[group[-1].end:]
    return len(_WORD.findall(outside)) <= 2


# ---------------------------------------------------------------- cues


def _cues(ctx: ArticleContext, paragraph: Paragraph) -> Iterator[Cue]:
    verbs = speech_verbs()
    doc = paragraph.doc
    previous: Cue | None = None
    for token in doc:
        if token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in verbs:
            subject = _subject(token)
            claimant = _claimant(ctx, paragraph, subject) if subject is not None else None
            if claimant is None and subject is None and previous is not None and \
                    previous.token.sent == token.sent and token.i > 0 and \
                    token.nbor(-1).lower_ in ("and", "but"):
                claimant = previous.claimant  # "X said that … and added that …"
            if claimant is not None:
                kind = "deny" if verbs[token.lemma_.lower()] == "deny" else "reported"
                previous = Cue(claimant, token, kind)
                yield previous
        elif token.lower_ == "according" and token.i + 1 < len(doc) and \
                doc[token.i + 1].lower_ == "to":
            objects = [t for t in doc[token.i + 1].children if t.dep_ == "pobj"]
            if objects:
                claimant = _claimant(ctx, paragraph, objects[0])
                if claimant is not None:
                    yield Cue(claimant, token, "according_to")
        elif token.lemma_.lower() in ("assessment", "view", "estimate", "belief") and \
                token.dep_ == "nsubj" and token.head.lemma_ == "be":
            owners = [t for t in token.children if t.dep_ == "poss"]
            if owners and owners[0].lower_ not in ("our", "my"):
                claimant = _claimant(ctx, paragraph, owners[0])
                if claimant is not None:
                    yield Cue(claimant, token.head, "assessment")


def _subject(verb: Token) -> Token | None:
    """The subject of a verb, inherited through conjunctions and 'adding'-style clauses.

    In "KCNA quoted Kim as saying …" the speaker of "saying" is the one quoted, Kim.
    """
    if verb.head.i != verb.i and verb.head.lemma_.lower() in ("quote", "cite") and \
            verb.dep_ in ("advcl", "pcomp", "xcomp", "conj", "prep"):
        quoted = [c for c in verb.head.children if c.dep_ == "dobj"]
        if quoted:
            return quoted[0]
    if verb.dep_ == "pcomp" and verb.head.lower_ == "as" and \
            verb.head.head.lemma_.lower() in ("quote", "cite"):
        quoted = [c for c in verb.head.head.children if c.dep_ == "dobj"]
        if quoted:
            return quoted[0]
    current = verb
    for _ in range(4):
        subjects = [c for c in current.children
                    if c.dep_ in ("nsubj", "nsubjpass") and c.i != verb.i]
        if subjects:
            if subjects[0].dep_ == "nsubjpass" and current.lemma_ not in ("quote", "cite"):
                return None  # "it was reported": nobody in particular speaks
            # '"…," said Albert Kasongo': after a quotation the parser may take a word
            # of the quote as a second subject; the one after the verb is the speaker.
            after = [c for c in subjects if c.i > current.i]
            return after[0] if after and len(subjects) > 1 else subjects[0]
        if current.dep_ in ("conj", "advcl", "xcomp") and current.head.i != current.i \
                and current.head.lemma_.lower() in speech_verbs():
            current = current.head
        else:
            return None
    return None


def _claimant(ctx: ArticleContext, paragraph: Paragraph, head: Token) -> Mention | None:
    """The actor a subject phrase names, or None for generic and unresolvable subjects."""
    subtree = list(head.subtree)
    begin = paragraph.offset + subtree[0].idx
    end = paragraph.offset + subtree[-1].idx + len(subtree[-1].text)
    inside = [m for m in ctx.mentions_in(begin, end) if m.kind != "demonym"]
    word = head.lower_
    named = [m for m in inside if m.type in ("Person", "Organization") and m.kind != "description"]
    covering = [m for m in inside if m.span.begin <= paragraph.offset + head.idx < m.span.end]
    if covering and covering[0].kind != "description":
        return covering[0]   # the head's own name: in "Halloran of Radio Meridian", Halloran
    if word in generic_sources() or head.tag_ in ("NNS", "NNPS"):
        # "experts said" makes no claim; "analysts at the Institute for … said" and
        # "Russian state television broadcasts have asserted" credit the organisation.
        orgs = [m for m in inside if m.type == "Organization"]
        return orgs[0] if orgs else None
    if subtree[0].lower_ in ("a", "an") and head.lemma_.lower() in _ANONYMOUS_HEADS and not named:
        return _anonymous_source(ctx, paragraph, head, subtree)
    if not any(m.type == "Person" for m in inside):
        name = _name_in(ctx, paragraph, subtree)
        if name is not None:
            return name   # "said Albert Kasongo, the … spokesman": a name the NER missed
    if head.lemma_.lower() in _institution_heads() and not named:
        # "Rwanda's defence ministry denied …", "the US Treasury said": an institution
        return _institution(ctx, paragraph, head, subtree, begin)
    if is_title_word(head) and subtree[0].lower_ not in ("a", "an") and \
            not any(m.type == "Person" for m in inside):
        # "the Russian journalist said", "Chief of the service, said"
        return _described_person(ctx, paragraph.offset + head.sent.start_char, begin)
    if inside:
        # The head's own name first: in "Halloran of Radio Meridian" it is Halloran.
        covering = [m for m in inside if m.span.begin <= paragraph.offset + head.idx < m.span.end]
        if covering:
            return covering[0]
        ranked = sorted(inside, key=lambda m: ("Person", "Organization", "State").index(m.type))
        return ranked[0]
    if word in _PRONOUNS_PERSON:
        return _pronoun_person(ctx, paragraph, begin)
    if word in _PRONOUNS_GROUP and word != "we":
        return _last_group_before(ctx, begin)
    if subtree[0].lower_ == "the":
        return _last_named_like(ctx, head.lemma_.lower(), begin)
    return None


def _pronoun_person(ctx: ArticleContext, paragraph: Paragraph, position: int) -> Mention | None:
    """Who 'he'/'she' is: the person who spoke last in this or the previous paragraph, else
    the last person named outside quotation marks (names inside a quote are its content)."""
    people = [m for m in ctx.mentions if m.type == "Person" and m.kind == "name"
              and m.span.end <= position and not _in_quotation(ctx, m)]
    here = [m for m in people if m.span.begin >= paragraph.offset]
    if here:
        return here[-1]    # "Mr Petro replied … “…,” he wrote"
    window = paragraph.offset - 1
    for earlier in ctx.paragraphs:
        if earlier.offset < paragraph.offset:
            window = earlier.offset
    recent = [m for m in ctx.speakers if m.type == "Person" and window <= m.span.begin < position]
    if recent:
        return recent[-1]
    return people[-1] if people else None


def _in_quotation(ctx: ArticleContext, mention: Mention) -> bool:
    for paragraph in ctx.paragraphs:
        local = mention.span.begin - paragraph.offset
        if 0 <= local < len(paragraph.doc.text):
            return _inside(find_quotes(paragraph.doc.text), local)
    return False


def _name_in(ctx: ArticleContext, paragraph: Paragraph, subtree: list[Token]) -> Mention | None:
    """A person's name in a subject phrase that the NER missed: two or more capitalised
    proper nouns ("Albert Kasongo"), or one that is the surname of a person named before."""
    chain: list[Token] = []
    for token in subtree:
        if token.pos_ == "PROPN" and token.text[:1].isupper() and token.is_alpha and \
                token.ent_type_ in ("", "PERSON") and \
                not is_title_word(token) and token.lower_.rstrip(".") not in honorifics() and \
                ctx.mention_at(paragraph.offset + token.idx,
                               paragraph.offset + token.idx + len(token)) is None:
            chain.append(token)
            continue
        if len(chain) >= 2:
            break
        chain = []
    if len(chain) >= 2 and not ctx.gazetteer.entries_for(
            paragraph.doc.text[chain[0].idx:chain[-1].idx + len(chain[-1])]):
        span = ctx.token_span(paragraph, chain[0], chain[-1])
        return ctx.add_mention(Mention(span, span.text, "Person"))
    if len(chain) == 1 and (chain[0].ent_type_ == "PERSON" or (
            chain[0].i > 0 and chain[0].nbor(-1).tag_ == "POS")):
        # "Guyana's Ali says": a lone name the NER knows as a person, or owned by a state
        span = ctx.token_span(paragraph, chain[0], chain[0])
        return ctx.add_mention(Mention(span, span.text, "Person"))
    if not chain:
        # A lone surname the NER typed as a place or organisation ("Mukamana also denied").
        chain = [t for t in subtree if t.pos_ == "PROPN" and t.is_alpha and t.text[:1].isupper()
                 and not is_title_word(t)][:1]
    if len(chain) == 1:
        earlier = [m for m in ctx.mentions if m.type == "Person" and len(m.name.split()) > 1
                   and m.span.end <= paragraph.offset + chain[0].idx
                   and same_surname(chain[0].text, m.name)]
        if earlier:
            span = ctx.token_span(paragraph, chain[0], chain[0])
            return ctx.add_mention(Mention(span, span.text, "Person"))
    return None


@functools.lru_cache(maxsize=1)
def _institution_heads() -> frozenset[str]:
    from kg.extract.actors import filters

    return filters().get("institution_heads", frozenset())


def _institution(ctx: ArticleContext, paragraph: Paragraph, head: Token, subtree: list[Token],
                 position: int) -> Mention | None:
    """An institution as claimant: named by its phrase when it names its state or is
    capitalised ("Israel's foreign ministry", "the US Treasury"), else the last
    organisation named with the same head noun ("the ministry said")."""
    words = [t for t in subtree if t.i <= head.i and t.dep_ != "det" and not t.is_punct]
    words = words[next((i for i, t in enumerate(words) if t.dep_ != "case"), 0):]
    states = [m for m in ctx.mentions_in(paragraph.offset + subtree[0].idx, paragraph.offset
                                         + head.idx) if m.type == "State"]
    if len(words) >= 2 and (states or head.text[:1].isupper()):
        span = ctx.token_span(paragraph, words[0], words[-1])
        return ctx.add_mention(Mention(span, span.text, "Organization", kind="description"))
    return _last_named_like(ctx, head.lemma_.lower(), position)


def _described_person(ctx: ArticleContext, sentence_start: int, position: int
                      ) -> Mention | None:
    """Who 'the Russian journalist' is: the last speaker, else the next person given a role
    (a standfirst names the speaker only below), else the last person named."""
    speakers = [m for m in ctx.speakers if m.type == "Person" and m.span.end <= sentence_start]
    if speakers:
        return speakers[-1]
    holders = sorted((r.holder for r in (ctx.extraction.roles if ctx.extraction else [])
                      if r.holder.span.begin > position), key=lambda m: m.span.begin)
    if holders:
        return holders[0]
    return last_person_before(ctx, sentence_start)


def _last_group_before(ctx: ArticleContext, position: int) -> Mention | None:
    """What 'it'/'they' stands for: a recent organisation or state, speakers first."""
    groups = [m for m in ctx.mentions if m.type in ("Organization", "State")
              and m.kind in ("name", "abbreviation", "description") and m.span.end <= position]
    recent = groups[-4:]
    for mention in reversed(recent):
        if mention in ctx.speakers or _is_subject(ctx, mention):
            return mention
    return recent[-1] if recent else None


def _is_subject(ctx: ArticleContext, mention: Mention) -> bool:
    tokens = ctx.tokens_of(mention)
    return tokens is not None and tokens.root.dep_ in ("nsubj", "nsubjpass")


_GENERIC_ORG_NOUNS = frozenset({"alliance", "bloc", "organisation", "organization", "body",
                                "group", "union", "agency", "court", "tribunal"})


def _last_named_like(ctx: ArticleContext, noun: str, position: int) -> Mention | None:
    """'the ministry said', 'the alliance said': the last organisation whose name or
    gazetteer kind holds the noun."""
    def fits(mention: Mention) -> bool:
        entry = ctx.gazetteer.get(mention.gazetteer_key) if mention.gazetteer_key else None
        return noun in mention.name.lower() or bool(entry and noun in (entry.kind or "")) or \
            noun in _GENERIC_ORG_NOUNS   # "the bloc said": the last organisation named

    found = [m for m in ctx.mentions if m.type == "Organization" and m.span.end <= position
             and fits(m)]
    return found[-1] if found else None


def _anonymous_source(ctx: ArticleContext, paragraph: Paragraph, head: Token,
                      subtree: list[Token]) -> Mention | None:
    """'a South Korean report' → an anonymous source named by its description."""
    words = [t for t in subtree if t.i <= head.i and t.lower_ not in ("a", "an")]
    # "a person familiar with the matter": the description goes on after the head.
    after = [t for t in subtree if t.i > head.i]
    if after and after[0].dep_ == "amod" and len(after) <= 6 and \
            not any(t.pos_ in ("VERB", "AUX") or t.is_punct for t in after):
        words += after
    if not words:
        return None
    span = ctx.token_span(paragraph, words[0], words[-1])
    mention = Mention(span, span.text, _ANONYMOUS_HEADS[head.lemma_.lower()], kind="description")
    return ctx.add_mention(mention)


# ---------------------------------------------------------------- reported content


def _reported_content(doc: Doc, cue: Cue, quotes: list[Quote]) -> tuple[int, int] | None:
    """Doc character offsets of what a cue reports: its clause, or the clause it follows."""
    token, sentence = cue.token, cue.token.sent
    if cue.kind == "according_to":
        return _around_according(doc, token)
    if cue.kind == "assessment":
        clauses = [t for t in token.children if t.dep_ in ("ccomp", "attr", "acomp")]
        return _subtree_chars(clauses[0], skip_mark=True) if clauses else None
    after = [t for t in token.children if t.dep_ in ("ccomp", "xcomp") and t.i > token.i
             and not (t.tag_ == "VBG" and not any(c.dep_ == "mark" for c in t.children))]
    fronted = _fronted_content(sentence, token)
    opening_clause = any(t.dep_ == "ccomp" and t.i < token.i for t in token.children)
    if fronted is not None and (opening_clause or not any(_has_mark(t) for t in after)):
        return fronted   # "Content …, Foreign Minister X said on Thursday, dampening …"
    if after:
        clause = after[0]
        if any(t.lemma_.lower() in speech_verbs() and t.dep_ == "ccomp" and t.i != clause.i
               and _subject(t) is not None for t in clause.subtree if t.pos_ == "VERB"):
            return None  # an outer frame ("the Post reported that X said …"): X's cue wins
        begin, _ = _subtree_chars(clause, skip_mark=True)
        if speech_verbs().get(token.lemma_.lower()) == "appeal" and token.i + 1 < len(doc):
            begin = doc[token.i + 1].idx  # "calling on Western countries to send …"
        return begin, _sentence_end(sentence)
    object_content = _object_content(token)
    if object_content is not None:
        return object_content
    before = [t for t in token.children if t.dep_ == "ccomp" and t.i < token.i]
    if before:
        tokens = [t for t in before[0].subtree if not t.is_punct]
        if tokens:
            return sentence[0].idx if sentence[0].i < tokens[0].i else tokens[0].idx, \
                tokens[-1].idx + len(tokens[-1].text)
    return None


def _has_mark(token: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in ("that", "whether", "if") for c in token.children)


# Verbs whose object, rather than a clause, is what was said ("dismissed the claims as
# lies", "called the troops resilient", "spoke of North Korea's experience").
_OBJECT_LEMMAS = frozenset({"call", "describe", "dismiss", "brand", "label", "characterise",
                            "characterize", "term", "deny", "reject", "refute", "blast",
                            "allude", "speak", "mention", "cite", "hail", "condemn"})


def _object_content(verb: Token) -> tuple[int, int] | None:
    """What was said when a verb takes an object: from the object to the end of the
    verb's own phrase (its conjoined and adverbial clauses excluded)."""
    lemma = verb.lemma_.lower()
    if lemma not in _OBJECT_LEMMAS and speech_verbs().get(lemma) not in ("deny", "accuse"):
        return None
    for child in verb.children:
        if child.i < verb.i or child.dep_ not in ("prep", "dobj"):
            continue
        target = child
        if child.dep_ == "prep":
            objects = [t for t in child.children if t.dep_ == "pobj"]
            if child.lower_ not in ("of", "to", "about", "on") or not objects:
                continue
            target = objects[0]
        tokens = [t for c in verb.children if c.i >= target.i and c.dep_ not in (
                  "conj", "cc", "advcl", "parataxis", "punct") for t in c.subtree]
        tokens += [t for t in target.subtree if t not in tokens]
        tokens = sorted({t.i: t for t in tokens if not t.is_punct}.values(), key=lambda t: t.i)
        if len(tokens) >= MIN_CONTENT_WORDS:
            first = min(t.idx for t in target.subtree)
            return first, tokens[-1].idx + len(tokens[-1].text)
    return None


def _fronted_content(sentence, verb: Token) -> tuple[int, int] | None:
    """'Content …, a source said in the report.': the part before ', SUBJECT VERB'."""
    subject = _subject(verb)
    if subject is None or verb.dep_ not in ("ROOT", "parataxis", "ccomp", "conj", "advcl"):
        return None
    start = min(t.i for t in subject.subtree)
    if start <= sentence.start + 1 or sentence.doc[start - 1].text not in (",", "\u2014", "\u2013"):
        return None
    tokens = [t for t in sentence if t.i < start - 1 and not t.is_punct]
    if len(tokens) < MIN_CONTENT_WORDS or tokens[0].pos_ == "ADP" or \
            not any(t.pos_ in ("VERB", "AUX") and t.tag_ not in ("VBN", "VBG") for t in tokens):
        return None   # "In a statement issued on Tuesday, X said …": a phrase, not content
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _sentence_end(sentence) -> int:
    last = sentence[-1]
    return last.idx + len(last.text)


def _subtree_chars(token: Token, skip_mark: bool = False) -> tuple[int, int]:
    tokens = [t for t in token.subtree
              if not (skip_mark and t.dep_ == "mark" and t.lower_ == "that")]
    first, last = tokens[0], tokens[-1]
    return first.idx, last.idx + len(last.text)


def _around_according(doc: Doc, token: Token) -> tuple[int, int] | None:
    """The sentence without its 'according to X' phrase."""
    sentence = token.sent
    phrase_tokens = list(token.subtree) if token.dep_ != "ROOT" else [token]
    to = doc[token.i + 1]
    phrase_tokens += list(to.subtree)
    phrase_end = max(t.i for t in phrase_tokens)
    if token.i <= sentence.start + 1:
        rest = [t for t in sentence if t.i > phrase_end and not t.is_punct]
        if not rest:
            return None
        return rest[0].idx, _sentence_end(sentence)
    before = [t for t in sentence if t.i < token.i and not t.is_punct]
    if not before:
        return None
    last = before[-1]
    return before[0].idx, last.idx + len(last.text)


# ---------------------------------------------------------------- headlines


def _headline_claims(ctx: ArticleContext) -> list[Claim]:
    """'X, says state TV' / 'X: state TV' / 'Y Claims X' in the title line."""
    title = ctx.article.title
    if not title:
        return []
    start = ctx.text.find(title)
    if start < 0 or ctx.is_furniture(start, start + len(title)):
        return []
    for pattern in (_HEADLINE_SUBJECT, _HEADLINE_TRAILING, _HEADLINE_COLON, _HEADLINE_LEADING):
        found = pattern.match(title)
        if not found:
            continue
        who_begin, who_end = start + found.start("who"), start + found.end("who")
        people = [m for m in ctx.mentions_in(who_begin, who_end) if m.type == "Person"]
        claimant = people[0] if people else ctx.mention_at(who_begin, who_end)
        if claimant is None or claimant.type == "State" and claimant.kind == "demonym":
            continue
        content = Span.of(ctx.text, start + found.start("content"), start + found.end("content"))
        return [Claim(claimant, _strip_punct(content.text), content,
                      cue=found.groupdict().get("verb") or ":", kind="headline")]
    return []


# ---------------------------------------------------------------- tidying


def _strip_punct(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:\u201c\u201d\"'\u2018\u2019")


def _trim_evidence(ctx: ArticleContext, span: Span) -> Span:
    """Evidence without trailing commas and spaces, so it reads as the content."""
    begin, end = span.begin, span.end
    while end > begin and ctx.text[end - 1] in " ,;:\u2013\u2014-":
        end -= 1
    return Span.of(ctx.text, begin, end)


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 3}


def _distinct(claims: list[Claim]) -> list[Claim]:
    """One claim per (claimant, statement): restatements (headline, lede) fold into the body's."""
    return _fold_restatements(claims, lambda c: c.claimant.name.lower(), _content_words)


def _fold_restatements(claims: list[Claim], speaker: Callable[[Claim], object],
                       words: Callable[[str], set[str]]) -> list[Claim]:
    """Keep the longest body claim of each speaker's statement; drop those whose words
    mostly repeat a kept one of the same speaker (headlines go last, so they fold)."""
    kept: list[Claim] = []
    for claim in sorted(claims, key=lambda c: (c.kind == "headline", -len(c.text))):
        mine = words(claim.text)
        if any(speaker(other) == speaker(claim) and mine and
               len(mine & words(other.text)) >= DUPLICATE_OVERLAP * min(
                   len(mine), len(words(other.text))) for other in kept):
            continue
        kept.append(claim)
    return sorted(kept, key=lambda c: c.evidence.begin)


# ---------------------------------------------------------------- after resolution

_SUFFIXES = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[:-len(suffix)]
    return word


def _stems(text: str) -> set[str]:
    return {_stem(w.lower()) for w in _WORD.findall(text) if len(w) > 3}


def merge_restatements(claims: list[Claim]) -> list[Claim]:
    """One claim per (actor, statement) once claimants are resolved: a headline or lede
    that restates a body claim of the same actor folds into it."""
    return _fold_restatements(claims, lambda c: c.claimant.actor, _stems)
