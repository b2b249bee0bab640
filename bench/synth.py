#!/usr/bin/env python3
"""Seeded synthetic news articles for benchmarks: quotes, reported speech, recognitions,
misspelled names, page furniture.

    .venv/bin/python bench/synth.py --count 1000 --seed 7 --out /tmp/corpus   # one .txt each
    .venv/bin/python bench/synth.py --count 1000 --jsonl corpus.jsonl          # or one JSONL

The same (count, seed) always gives the same texts. Articles are 250–700 words (a median
near 430, like wire copy): a headline, a byline and dateline, paragraphs of narrative,
direct quotes with a speech verb, reported speech ("X said that ..."), "according to"
attributions, recognitions and withdrawals of recognition between real states and
self-proclaimed ones, people named in full first and by surname (sometimes misspelled)
later, and furniture lines (share bars, "ALSO READ", comment counts). Sentences are
assembled from parts, so unrelated articles share little wording; one article in eight is
a planted near copy or reworded rewrite of a recent one (syndication, aggregators).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

STATES = ["Russia", "Ukraine", "France", "Germany", "China", "India", "Brazil", "Turkey",
          "Serbia", "Georgia", "Armenia", "Azerbaijan", "Syria", "Venezuela", "Nicaragua",
          "North Korea", "Belarus", "Iran", "Pakistan", "Nigeria", "Kenya", "Mexico",
          "Argentina", "Poland", "Hungary", "Japan", "South Africa", "Egypt", "Israel",
          "Indonesia", "Vietnam", "Cuba", "Italy", "Spain", "Canada", "Australia"]
SELF_PROCLAIMED = ["Abkhazia", "South Ossetia", "Transnistria", "Kosovo", "Somaliland",
                   "Northern Cyprus", "Western Sahara", "the Donetsk People's Republic",
                   "the Luhansk People's Republic", "Taiwan"]
ORGS = ["the United Nations", "NATO", "the European Union", "the World Bank", "Amnesty International",
        "the International Monetary Fund", "the African Union", "Reuters", "the Kremlin",
        "the State Department", "the foreign ministry", "Human Rights Watch", "Gazprom",
        "the Red Cross", "the World Health Organization", "OPEC"]
OUTLETS = ["Daily Ledger", "Morning Courier", "Global Dispatch", "The Northern Star",
           "Evening Chronicle", "Capital Times"]
FIRST = ["Anna", "Igor", "Maria", "John", "Olena", "Dmitry", "Sarah", "Ahmed", "Li", "Carlos",
         "Fatima", "Peter", "Elena", "David", "Amina", "Sergei", "Laura", "Mehmet", "Yuki",
         "Pierre", "Katarzyna", "Tomas", "Ngozi", "Rafael", "Ingrid", "Viktor", "Nadia", "Omar"]
LAST = ["Kowalczyk", "Petrova", "Mitchell", "Kovalenko", "Haddad", "Fernandez", "Novak",
        "Schneider", "Okafor", "Tanaka", "Dubois", "Kowalski", "Yilmaz", "Rossi", "Ivanova",
        "Andersson", "Marchetti", "Lindqvist", "Moreau", "Castillo", "Horvath", "Nakamura",
        "Abdullah", "Bergstrom", "Gonzalez", "Sokolov", "Whitfield", "Chowdhury"]
ROLES = ["foreign minister", "spokesperson", "senior adviser", "ambassador", "analyst",
         "talk show host", "defence minister", "deputy prime minister", "opposition leader",
         "military commander", "economist", "senator"]
SPEECH = ["said", "told reporters", "said in a statement", "told", "warned", "added",
          "insisted", "claimed", "argued", "stressed"]
TOPICS = ["the ceasefire", "the sanctions", "the border talks", "gas supplies", "the election",
          "the peace plan", "grain exports", "the refugee crisis", "the trade deal",
          "the military exercises", "the new pipeline", "debt relief"]
# Sentences are put together from parts, so that unrelated articles share no more wording
# than unrelated news does (a few stock phrases); copies are planted on purpose (below).
SUBJECTS = ["the government", "the opposition", "the ministry", "the central bank",
            "the parliament", "the army", "the coalition", "the regional council",
            "the election commission", "the energy regulator", "the prosecutor's office",
            "the trade union", "the port authority", "the health service", "the police",
            "the national oil company", "the supreme court", "the mayor's office"]
VERBS = ["approved", "rejected", "postponed", "announced", "criticised", "defended",
         "suspended", "extended", "reviewed", "challenged", "welcomed", "blocked",
         "signed", "questioned", "delayed", "funded", "investigated", "expanded"]
OBJECTS = ["a plan to", "a proposal to", "a decision to", "a bill that would", "an offer to",
           "a request to", "a scheme to", "an agreement to", "a move to", "a promise to"]
ACTIONS = ["cut fuel subsidies", "raise the minimum wage", "close two border crossings",
           "build a new port", "lease farmland to foreign investors", "ban exports of scrap "
           "metal", "open a consulate", "hire more teachers", "privatise the railways",
           "double the defence budget", "resettle displaced families", "reopen the airport",
           "cap electricity prices", "audit the pension fund", "expand the metro",
           "extend the state of emergency", "tax windfall profits", "release detained "
           "activists", "buy new fighter jets", "restore gas deliveries", "rebuild the bridge",
           "dredge the river", "relocate the capital", "recount the ballots"]
WHEN = ["on {day}", "late on {day}", "earlier this month", "last week", "in {month}",
        "after weeks of debate", "within hours", "ahead of the summit", "before the holiday",
        "at a closed session", "despite protests", "without a vote", "for the second time"]
PLACES = ["in the capital", "in the north", "near the border", "in the port city",
          "in the southern provinces", "on the coast", "in the mining region", "in {city}"]
_SYLLABLES = ["al", "bre", "cas", "dun", "es", "fel", "gor", "hal", "is", "jor", "kel", "lus",
              "mar", "nor", "or", "pal", "qua", "riv", "sot", "tul", "ul", "var", "wex", "yar",
              "zel", "ka", "ro", "vin", "do", "te", "mi", "sa", "lo", "ne", "po", "ri"]
# Place names made of syllables (36^3 of them): like real local news, most sentences name
# a place of their own, so unrelated articles rarely share eight words in a row.
CITIES = sorted({(a + b + c).capitalize() for a in _SYLLABLES for b in _SYLLABLES
                 for c in _SYLLABLES[::3]})
NOUNS = ["protesters", "farmers", "students", "workers", "residents", "soldiers", "refugees",
         "doctors", "traders", "fishermen", "miners", "pensioners", "drivers", "teachers"]
DOINGS = ["gathered", "marched", "waited", "queued", "rallied", "were evacuated",
          "were stranded", "went on strike", "blocked the roads", "signed a petition"]
FILLER = [
    "The talks, which began on {day}, are expected to continue into next week.",
    "Officials have not released details of the agreement, and several questions remain open.",
    "The announcement comes amid rising tension over {topic} in the region.",
    "Analysts said the move could reshape relations between the two governments for years.",
    "Markets reacted calmly, with the currency little changed by the end of trading.",
    "Diplomats from several countries were due to meet again to discuss {topic}.",
    "Critics have long questioned whether the measures would have any lasting effect.",
    "Thousands of people gathered in the capital on {day} to follow the debate.",
    "The ministry declined to comment on the report when contacted on {day}.",
    "Negotiators worked late into the night, according to people familiar with the talks.",
    "The issue of {topic} has dominated the agenda since the start of the year.",
    "Local media described the meeting as tense but constructive.",
]
CLAIMS = [
    "the country will not accept any deal that ignores {topic}",
    "{state} has met every obligation under the agreement",
    "the sanctions have failed to change anything on the ground",
    "talks on {topic} would resume within weeks",
    "{state} is ready to work with all partners on {topic}",
    "the report about {topic} was completely false",
    "more aid would be sent to the region before winter",
    "there is no military solution to the conflict",
    "the government had been warned about {topic} months ago",
    "{org} must play a larger role in resolving {topic}",
]
FURNITURE = ["ALSO READ: Ten things to know about {topic}", "Share this article",
             "Share on Facebook | Share on X | Email", "Advertisement",
             "{n} comments", "Sign up for our newsletter", "Read more: {state} in focus",
             "Photo: Reuters", "Related Topics"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


ADJECTIVES = ["leaked", "long-awaited", "confidential", "independent", "preliminary",
              "damning", "annual", "brief", "detailed", "unpublished", "joint", "internal"]
THINGS = ["water supplies", "rail freight", "cement imports", "vaccine stocks", "coal mines",
          "fishing quotas", "cross-border lorries", "bank deposits", "rice harvests",
          "school meals", "mobile networks", "copper exports", "tourist visas", "bread prices",
          "offshore wind farms", "timber permits", "customs fees", "housing loans"]
FOUND = ["found", "concluded", "estimated", "warned", "suggested", "showed"]
CONDITIONS = ["had not been paid since spring", "lacked clean water", "faced eviction",
              "could not reach their fields", "had left the area", "depended on food aid",
              "were waiting for permits", "had lost their jobs", "paid twice as much"]


def clause(rng: random.Random, fill: dict[str, str]) -> str:
    """A news clause put together from parts, in one of several shapes."""
    when = rng.choice(WHEN).format(day=rng.choice(DAYS), month=rng.choice(MONTHS))
    where = rng.choice(PLACES).format(city=rng.choice(CITIES))
    subject, verb = rng.choice(SUBJECTS), rng.choice(VERBS)
    if rng.random() < 0.7:
        subject = f"{subject} of {rng.choice(CITIES)}"
    plan = f"{rng.choice(OBJECTS)} {rng.choice(ACTIONS)}"
    n = rng.randint(3, 97)
    shape = rng.randrange(5)
    if shape == 0:
        return f"{subject} {verb} {plan} {where} {when}"
    if shape == 1:
        return (f"{when}, {subject} {verb} {plan}, a step {rng.choice(NOUNS)} from "
                f"{rng.choice(CITIES)} had demanded for {n} months")
    if shape == 2:
        return f"under pressure from {rng.choice(NOUNS)} {where}, {subject} {verb} {plan}"
    if shape == 3:
        return (f"a {rng.choice(ADJECTIVES)} study of {rng.choice(THINGS)} by {subject} "
                f"{rng.choice(FOUND)} that {n}% of {rng.choice(NOUNS)} in {rng.choice(CITIES)} "
                f"{rng.choice(CONDITIONS)}")
    return (f"{rng.choice(THINGS)} {where} fell by {n}% {when}, and {subject} "
            f"{verb} {plan}")


def narrative(rng: random.Random, fill: dict[str, str]) -> str:
    """One narrative sentence; a stock phrase only now and then, as in real copy."""
    roll = rng.random()
    if roll < 0.04:      # stock phrases: few, as in real copy
        return rng.choice(FILLER).format(**fill)
    if roll < 0.45:
        text = clause(rng, fill)
        return text[0].upper() + text[1:] + "."
    if roll < 0.75:
        n = f"{rng.randint(2, 90) * rng.choice([1, 10, 100, 1000]):,}"
        return (f"{n} {rng.choice(NOUNS)} {rng.choice(DOINGS)} "
                f"{rng.choice(PLACES).format(city=rng.choice(CITIES))} "
                f"{rng.choice(WHEN).format(day=rng.choice(DAYS), month=rng.choice(MONTHS))}, "
                f"officials in {rng.choice(CITIES)} said.")
    return (f"In {rng.choice(CITIES)}, {rng.choice(['anger', 'debate', 'concern', 'tension'])} "
            f"over {fill['topic']} {rng.choice(['grew', 'rose', 'spread', 'mounted'])} after "
            f"{clause(rng, fill)}, and "
            f"{rng.randint(2, 40)} {rng.choice(NOUNS)} were reported {rng.choice(PLACES).format(city=rng.choice(CITIES))}.")


def misspell(rng: random.Random, name: str) -> str:
    """A plausible typo: a dropped, doubled or swapped letter inside a long word."""
    if len(name) < 6:
        return name
    i = rng.randrange(2, len(name) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return name[:i] + name[i + 1:]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


class Writer:
    """One article at a time from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def article(self, number: int) -> dict[str, str]:
        rng = self.rng
        state, other = rng.sample(STATES, 2)
        topic = rng.choice(TOPICS)
        people = [(rng.choice(FIRST), rng.choice(LAST), rng.choice(ROLES),
                   rng.choice(STATES + [state] * 4)) for _ in range(rng.randint(2, 4))]
        org = rng.choice(ORGS)
        fill = {"topic": topic, "state": state, "org": org, "day": rng.choice(DAYS),
                "n": str(rng.randint(2, 400))}
        date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2019, 2025)}"
        author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        headline = rng.choice([
            f"{state} and {other} clash over {topic} as talks stall",
            f"{state} rejects {other}'s terms on {topic}",
            f"Talks on {topic} stall in {rng.choice(CITIES)}",
            f"{other} warns {state} over {topic} after {rng.choice(NOUNS)} protest",
            f"{state} and {other} edge towards deal on {topic}",
            f"What {state}'s new stance on {topic} means for {rng.choice(CITIES)}"])
        lines = [headline,
                 f"By {author}", date, ""]
        target_words = int(min(700, max(250, rng.lognormvariate(6.05, 0.3))))
        words = 0
        mentioned: set[int] = set()
        body: list[str] = []
        while words < target_words:
            roll = rng.random()
            index = rng.randrange(len(people))
            first, last, role, country = people[index]

            def speaker() -> str:
                """The person's first mention in full with their role, then the surname."""
                if index in mentioned:
                    short = misspell(rng, last) if rng.random() < 0.15 else last
                    if rng.random() < 0.2:
                        short = f"Mr {short}" if rng.random() < 0.5 else f"{first} {last}"
                    return short
                mentioned.add(index)
                return (f"{country}'s {role} {first} {last}" if rng.random() < 0.6 else
                        f"{first} {last}, {country}'s {role},")

            claim = (rng.choice(CLAIMS).format(state=rng.choice(STATES), org=org, topic=topic)
                     if rng.random() < 0.1 else clause(rng, fill))
            if roll < 0.22:
                who, verb = speaker(), rng.choice(SPEECH)
                sentence = (f"\u201c{claim[0].upper()}{claim[1:]},\u201d {who.rstrip(',')} {verb}."
                            if rng.random() < 0.6 else
                            f"{who.rstrip(',')} {verb}: \u201c{claim[0].upper()}{claim[1:]}.\u201d")
            elif roll < 0.4:
                who = speaker()
                sentence = f"{who} said that {claim}."
                sentence = sentence.replace(",, said", ", said").replace(", said", " said", 1) \
                    if who.endswith(",") else sentence
            elif roll < 0.48:
                sentence = f"According to {org}, {claim}."
            elif roll < 0.56:
                sp = rng.choice(SELF_PROCLAIMED)
                recognizer = rng.choice(STATES)
                sentence = rng.choice([
                    f"{recognizer} recognised the independence of {sp} on {fill['day']}.",
                    f"{recognizer} is one of the few countries that recognise {sp} as an "
                    f"independent state.",
                    f"{recognizer} withdrew its recognition of {sp} last year.",
                    f"{sp} has been recognised by {recognizer} and a handful of other states.",
                ])
            elif roll < 0.62:
                sentence = rng.choice(FURNITURE).format(**fill)
            else:
                sentence = " ".join(narrative(rng, fill) for _ in range(rng.randint(1, 3)))
            body.append(sentence)
            words += len(sentence.split())
        body.append(rng.choice(["Share this article", "Sign up for our newsletter",
                                f"{fill['n']} comments"]))
        text = "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"
        return {"url": f"https://news.example.org/{number:06d}", "title": lines[0],
                "outlet": rng.choice(OUTLETS), "text": text}


COPY_SHARE = 0.08    # articles that are near copies of a recent one (another outlet)
SPUN_SHARE = 0.04    # ... that are reworded rewrites of one
RECENT = 200         # copies are taken from the last RECENT articles (memory stays flat)
SWAPS = {"said": "stated", "government": "administration", "plan": "scheme", "late": "belatedly",
         "rejected": "turned down", "announced": "unveiled", "criticised": "slammed",
         "capital": "capital city", "officials": "authorities", "reported": "spotted",
         "talks": "negotiations", "week": "seven days", "new": "fresh"}


def copy_of(rng: random.Random, original: dict[str, str], number: int, spun: bool
            ) -> dict[str, str]:
    """A copy of ``original`` as another outlet runs it: a sentence dropped, a name
    misspelt, and for a spun copy, words swapped for synonyms."""
    lines = original["text"].split("\n")
    body = [i for i, line in enumerate(lines[4:], start=4) if line.strip()]
    if len(body) > 4:
        del lines[rng.choice(body)]
    lines[1] = f"By {rng.choice(FIRST)} {rng.choice(LAST)}"
    text = "\n".join(lines)
    if spun:
        text = " ".join(SWAPS.get(w, w) if rng.random() < 0.8 else w for w in text.split(" "))
    name = rng.choice(LAST)
    text = text.replace(name, misspell(rng, name), 1)
    return {"url": f"https://news.example.org/{number:06d}", "title": lines[0],
            "outlet": rng.choice(OUTLETS), "text": text}


def articles(count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """``count`` articles; the same (count, seed) always gives the same ones. About one in
    eight is a copy or a rewrite of a recent article, as syndication and aggregation make."""
    writer = Writer(seed)
    recent: list[dict[str, str]] = []
    for number in range(count):
        roll = writer.rng.random()
        if recent and roll < COPY_SHARE + SPUN_SHARE:
            record = copy_of(writer.rng, writer.rng.choice(recent), number,
                             spun=roll >= COPY_SHARE)
        else:
            record = writer.article(number)
            recent = (recent + [record])[-RECENT:]
        yield record


def write_jsonl(path: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` articles as JSONL (one object per line with url, title, text)."""
    with path.open("w", encoding="utf-8") as out:
        for record in articles(count, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_folder(folder: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` articles as one .txt file each, in nested folders of 1000."""
    for number, record in enumerate(articles(count, seed)):
        sub = folder / f"{number // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{number:06d}.txt").write_text(record["text"], encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="folder for one .txt per article")
    parser.add_argument("--jsonl", type=Path, help="one JSONL file instead")
    args = parser.parse_args(argv)
    if args.jsonl:
        write_jsonl(args.jsonl, args.count, args.seed)
    elif args.out:
        write_folder(args.out, args.count, args.seed)
    else:
        for record in articles(args.count, args.seed):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
