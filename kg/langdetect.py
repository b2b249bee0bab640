"""Is this article English? A small, dependency-free language check.

The extractors read English only: a French or Russian article would be mangled
into English entities (capitalised words taken for names, no speech verb
found), so ingest rejects it and names the language it saw. The check needs no
model: the share of letters in each script tells non-Latin languages apart,
and for Latin-script text the share of words that are English function words
(about 40 % of running English prose, under 5 % of French or German) decides,
with short lists of other languages' function words to name what it is.

Text too short to tell (under ``MIN_WORDS`` words) is given the benefit of the
doubt: the check only rejects what it is sure of.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_WORDS = 25            # fewer words than this: too short to tell, accepted
SAMPLE_CHARS = 20_000     # the check reads this much of the text (spread over it)
ENGLISH_MIN_RATIO = 0.12  # English prose: 0.3-0.5 of its words are in ENGLISH; other languages < 0.08
NON_LATIN_SHARE = 0.5     # more letters than this in one other script: not English

ENGLISH = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each either few for
from further had has have having he her here hers herself him himself his how i if in into is
it its itself just may me might more most must my myself no nor not now of off on once only
or other ought our ours ourselves out over own said same say says shall she should so some such
than that the their theirs them themselves then there these they this those through to too
under until up upon us very was we were what when where whether which while who whom whose why
will with would yet you your yours yourself yourselves
""".split())

# Frequent function words of other languages, minus any that are also English words
# (so "a", "in", "die", "is", "on" count for English only).
_OTHERS: dict[str, tuple[str, str]] = {
    "fr": ("French", "le la les des du une est et que qui dans pour pas sur au aux avec ce cette "
                     "sont il elle ils nous vous ont été être mais ou où leur leurs selon a été "
                     "plus par son sa ses"),
    "de": ("German", "der die das und ist nicht mit sich des dem den ein eine einer auf für von "
                     "zu im auch es sind wird wurde werden hat haben nach bei aus wie oder noch "
                     "über sagte"),
    "es": ("Spanish", "el la los las de del que y en un una es por con para no se su sus al lo "
                      "como más pero fue ha este esta según entre"),
    "it": ("Italian", "il lo la gli le di del della che e è un una per con non si sono ha al "
                      "nel alla anche come più ma dei delle questo"),
    "pt": ("Portuguese", "o os as de do da dos das que e é um uma para com não se em no na por "
                         "mais foi ao como mas seu sua segundo"),
    "nl": ("Dutch", "de het een en van is dat op te zijn niet met voor er maar ook als bij "
                    "door heeft werd wordt naar om nog"),
    "sv": ("Swedish", "och att det som en på är av för med den till har inte om ett var "
                      "jag han de sig kan"),
    "pl": ("Polish", "i w na z się że nie do jest to jak ale po co od za przez tak już jego "
                     "oraz które został"),
    "tr": ("Turkish", "ve bir bu da de için ile çok daha olarak olan gibi ancak sonra ise "
                      "kadar değil"),
    "id": ("Indonesian", "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke "
                         "karena oleh ada mereka"),
    "ro": ("Romanian", "și în de la cu nu că pe este o un din pentru care mai sau au fost "
                       "lui sunt"),
}
OTHERS: dict[str, tuple[str, frozenset[str]]] = {
    code: (name, frozenset(words.split()) - ENGLISH) for code, (name, words) in _OTHERS.items()}

# Scripts as the first word of a letter's Unicode name, and what each most likely is.
SCRIPTS: dict[str, tuple[str, str]] = {
    "CYRILLIC": ("ru", "Cyrillic script (Russian, Ukrainian, Bulgarian, ...)"),
    "GREEK": ("el", "Greek script"),
    "ARABIC": ("ar", "Arabic script (Arabic, Persian, Urdu, ...)"),
    "HEBREW": ("he", "Hebrew script"),
    "CJK": ("zh", "Chinese characters"),
    "HIRAGANA": ("ja", "Japanese kana"),
    "KATAKANA": ("ja", "Japanese kana"),
    "HANGUL": ("ko", "Korean Hangul"),
    "DEVANAGARI": ("hi", "Devanagari script (Hindi, Marathi, Nepali, ...)"),
    "BENGALI": ("bn", "Bengali script"),
    "TAMIL": ("ta", "Tamil script"),
    "THAI": ("th", "Thai script"),
    "ARMENIAN": ("hy", "Armenian script"),
    "GEORGIAN": ("ka", "Georgian script"),
    "ETHIOPIC": ("am", "Ethiopic script"),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class Detection:
    """What the check found: a language code (``und`` when unsure), whether it is English, why."""

    code: str
    is_english: bool
    reason: str
    english_ratio: float = 0.0
    words: int = 0


def detect(text: str) -> Detection:
    """The language of ``text``, as far as telling English from everything else goes."""
    sample = _sample(text)
    script, share = _dominant_script(sample)
    if script is not None and share > NON_LATIN_SHARE:
        code, name = SCRIPTS.get(script, ("und", f"{script.title()} script"))
        if script == "CYRILLIC":
            code = "uk" if re.search(r"[їєґі]", sample.lower()) else "ru"
        return Detection(code, False, f"{name}: {share:.0%} of the letters")
    words = [w.lower().replace("’", "'") for w in _WORD.findall(sample)]
    if len(words) < MIN_WORDS:
        return Detection("und", True, f"only {len(words)} words, too short to tell",
                         words=len(words))
    english = sum(w in ENGLISH for w in words) / len(words)
    scores = {code: sum(w in vocabulary for w in words) / len(words)
              for code, (_, vocabulary) in OTHERS.items()}
    best = max(scores, key=scores.__getitem__)
    if english >= ENGLISH_MIN_RATIO and english >= scores[best]:
        return Detection("en", True, f"{english:.0%} of {len(words)} words are English "
                         "function words", english, len(words))
    if scores[best] > english:
        name = OTHERS[best][0]
        return Detection(best, False, f"{name}: {scores[best]:.0%} of {len(words)} words are "
                         f"{name} function words, {english:.0%} English ones", english, len(words))
    return Detection("und", False, f"only {english:.0%} of {len(words)} words are English "
                     "function words (English prose has 30-50 %)", english, len(words))


def _sample(text: str) -> str:
    """Up to SAMPLE_CHARS of ``text``: all of it, or three slices from start, middle and end."""
    if len(text) <= SAMPLE_CHARS:
        return text
    third = SAMPLE_CHARS // 3
    middle = len(text) // 2
    return " ".join((text[:third], text[middle - third // 2:middle + third // 2], text[-third:]))


def _dominant_script(text: str) -> tuple[str | None, float]:
    """The most frequent non-Latin script among the letters of ``text``, and the share of all
    letters that are in some non-Latin script."""
    counts: dict[str, int] = {}
    letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        if ch.isascii():
            continue
        name = unicodedata.name(ch, "")
        script = name.split(" ", 1)[0] if name else "UNKNOWN"
        if script != "LATIN":
            counts[script] = counts.get(script, 0) + 1
    if not counts or not letters:
        return None, 0.0
    script = max(counts, key=counts.__getitem__)
    if script == "CJK" and ("HIRAGANA" in counts or "KATAKANA" in counts):
        script = "HIRAGANA"   # Japanese writes kanji with kana
    return script, sum(counts.values()) / letters
