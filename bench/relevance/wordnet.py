#!/usr/bin/env python3
"""WordNet 3.0 (Debian's wordnet-base) as NDJSON records: one record per synset.

    bench/relevance/wordnet.py [/usr/share/wordnet] > wordnet.ndjson

Each record: id ("n02084071": part of speech and synset offset), name (the synset's first word),
synonyms (its other words), definition and examples (from the gloss), pos (noun, verb, adjective,
adverb) and topic (the lexicographer file, "noun.animal"). Words keep WordNet's spelling, with
spaces for its underscores ("domestic dog", "T-shirt", "Ph.D.").
"""
import json, os, re, sys

POS = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
FILES = {"noun": "noun", "verb": "verb", "adj": "adjective", "adv": "adverb"}
# The lexicographer files, by number (lexnames(5WN)).
LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
            "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
            "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant "
            "noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
            "noun.substance noun.time verb.body verb.change verb.cognition verb.communication "
            "verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
            "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl").split()


def word(raw):
    return re.sub(r"\((a|p|ip)\)$", "", raw).replace("_", " ")  # adjective position markers


def synsets(root):
    for short, pos in FILES.items():
        with open(os.path.join(root, "data." + short), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):  # the licence at the top
                    continue
                head, _, gloss = line.partition(" | ")
                fields = head.split()
                offset, lexfile, ss_type, count = fields[0], int(fields[1]), fields[2], int(fields[3], 16)
                words = [word(fields[4 + 2 * i]) for i in range(count)]
                parts = [p.strip() for p in gloss.strip().split(";")]
                examples = [p.strip('"') for p in parts if p.startswith('"')]
                definition = "; ".join(p for p in parts if p and not p.startswith('"'))
                record = {"id": ss_type.replace("s", "a") + offset, "name": words[0],
                          "synonyms": words[1:], "definition": definition,
                          "pos": POS[ss_type], "topic": LEXNAMES[lexfile]}
                if examples:
                    record["examples"] = "; ".join(examples)
                yield record


if __name__ == "__main__":
    for r in synsets(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"):
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
