#!/usr/bin/env bash
# Copied unchanged from the team's shared/corpus/make_corpus.sh so the repository can rebuild its own
# test corpus (scripts/setup.sh runs it into third_party/tokenizer/corpus).
# make_corpus.sh — build a ~40 MB corpus of real, third-party text for tokenizer
# tests and benchmarks, from files a Debian 12 system already ships under /usr.
# Nothing here was written by the team: man pages (English and translated),
# gettext message catalogues (translated strings only), Debian copyright /
# changelog / README files, licence texts, and source code (C headers, Python
# stdlib, Perl modules).
#
# Usage:   make_corpus.sh [OUTDIR]          (default: ${TMPDIR:-/tmp}/tokcorpus)
# Output:  OUTDIR/corpus.txt   all documents concatenated, valid UTF-8, no NULs
#          OUTDIR/docs.tsv     one line per document: offset<TAB>length<TAB>section<TAB>source
#                              (byte offsets into corpus.txt; documents are back to back)
#          OUTDIR/SHA256SUMS   sha256 of corpus.txt and docs.tsv
#
# Needs: bash, python3 (stdlib only), man-db (man), groff-base, bsdextrautils (col).
# Runs in ~2-4 min on 2 cores. The exact bytes depend on which packages (and
# versions) are installed, so a test should not hard-code token counts for it
# unless it also pins the sha256; compare implementations against each other
# (or against a reference run recorded together with SHA256SUMS) instead.
#
# Optional, for more non-English text (not required):
#   apt-get install manpages-de manpages-fr manpages-ja manpages-zh manpages-ru
#
# Caps (bytes) can be changed with environment variables, see CAPS below.
set -euo pipefail

OUT="${1:-${TMPDIR:-/tmp}/tokcorpus}"
mkdir -p "$OUT"
export LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING= MANPAGER=cat PAGER=cat
for t in python3 man col; do
  command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done

OUT="$OUT" python3 - <<'PY'
import gettext, gzip, hashlib, io, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

OUT = os.environ["OUT"]
MB = 1 << 20
def cap(name, default_mb):
    return int(float(os.environ.get(name, default_mb)) * MB)
CAPS = {
    "man_en":      cap("CAP_MAN_EN", 9),      # English man pages (sections 1,5,7,8)
    "man_en_dev":  cap("CAP_MAN_EN_DEV", 3),  # English man pages (sections 2,3)
    "man_l10n":    cap("CAP_MAN_L10N", 0.9),  # per language, translated man pages
    "mo":          cap("CAP_MO", 0.35),       # per language, translated msgstr text
    "doc":         cap("CAP_DOC", 7),         # /usr/share/doc text files
    "licenses":    cap("CAP_LICENSES", 1),    # /usr/share/common-licenses
    "c_headers":   cap("CAP_C", 3.5),         # /usr/include
    "python":      cap("CAP_PY", 3.5),        # Python stdlib sources
    "perl":        cap("CAP_PERL", 1.5),      # Perl modules
}
MO_LANGS = ["ja", "zh_CN", "zh_TW", "ko", "ru", "uk", "bg", "el", "ar", "he", "fa",
            "hi", "bn", "ta", "th", "vi", "tr", "pl", "cs", "de", "fr", "es", "pt_BR",
            "it", "nl", "sv", "fi", "hu", "ro", "ka", "am", "km"]

def walk(root, pred):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p) and pred(p):
                out.append(p)
    return sorted(out)

def clean(b):
    """Return text if b is valid UTF-8 without NULs, else None."""
    if not b or b"\x00" in b:
        return None
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return None
    s = s.replace("\r\n", "\n")
    if not s.endswith("\n"):
        s += "\n"
    return s

def read_plain(p):
    try:
        with open(p, "rb") as f:
            b = f.read()
        if p.endswith(".gz"):
            b = gzip.decompress(b)
    except Exception:
        return None
    return clean(b)

def render_man(p):
    try:
        r = subprocess.run(["man", "-E", "UTF-8", "-l", p], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=60)
        r2 = subprocess.run(["col", "-bx"], input=r.stdout, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, timeout=60)
    except Exception:
        return None
    s = clean(r2.stdout)
    if s is None or len(s.strip()) < 200:
        return None
    return s

def mo_text(p):
    try:
        with open(p, "rb") as f:
            cat = gettext.GNUTranslations(f)._catalog
    except Exception:
        return None
    parts = []
    for k in sorted(cat, key=lambda k: k if isinstance(k, str) else k[0]):
        v = cat[k]
        ks = k if isinstance(k, str) else k[0]
        if not ks or not isinstance(v, str) or not v.strip() or v == ks:
            continue          # skip header entry and untranslated strings
        parts.append(v)
    if not parts:
        return None
    return clean("\n".join(parts).encode("utf-8"))

docs = []   # (section, source, text)

def take(section, paths, fn, limit, parallel=False):
    used = 0
    if parallel:
        # render in order-preserving batches so the result does not depend on timing
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
            i = 0
            while i < len(paths) and used < limit:
                batch = paths[i:i + 32]; i += 32
                for p, s in zip(batch, ex.map(fn, batch)):
                    if s is None or used >= limit:
                        continue
                    docs.append((section, p, s)); used += len(s.encode("utf-8"))
    else:
        for p in paths:
            if used >= limit:
                break
            s = fn(p)
            if s is None:
                continue
            docs.append((section, p, s)); used += len(s.encode("utf-8"))
    print(f"  {section:16s} {used/MB:6.2f} MB", file=sys.stderr)

MAN = "/usr/share/man"
print("building corpus ...", file=sys.stderr)
take("man_en", [p for s in ("man1", "man5", "man7", "man8")
                for p in walk(f"{MAN}/{s}", lambda p: True)], render_man, CAPS["man_en"], True)
take("man_en_dev", [p for s in ("man2", "man3")
                    for p in walk(f"{MAN}/{s}", lambda p: True)], render_man, CAPS["man_en_dev"], True)
for lang in sorted(d for d in os.listdir(MAN) if not d.startswith("man")):
    take(f"man_{lang}", walk(f"{MAN}/{lang}", lambda p: True), render_man, CAPS["man_l10n"], True)
for lang in MO_LANGS:
    take(f"mo_{lang}", walk(f"/usr/share/locale/{lang}", lambda p: p.endswith(".mo")),
         mo_text, CAPS["mo"])
def is_doc(p):
    b = os.path.basename(p).lower()
    return (b == "copyright" or b.startswith(("readme", "news", "changelog", "todo", "faq"))
            ) and not b.endswith((".html", ".htm", ".pdf", ".png", ".svg", ".jpg", ".xz", ".bz2"))
take("doc", walk("/usr/share/doc", is_doc), read_plain, CAPS["doc"])
take("licenses", walk("/usr/share/common-licenses", lambda p: True), read_plain, CAPS["licenses"])
take("c_headers", walk("/usr/include", lambda p: p.endswith(".h")), read_plain, CAPS["c_headers"])
pydirs = sorted(d for d in os.listdir("/usr/lib") if d.startswith("python3."))
take("python", [p for d in pydirs for p in walk(f"/usr/lib/{d}",
     lambda p: p.endswith(".py") and "/test" not in p and "site-packages" not in p
     and "dist-packages" not in p)], read_plain, CAPS["python"])
take("perl", walk("/usr/share/perl5", lambda p: p.endswith((".pm", ".pl"))), read_plain, CAPS["perl"])

corpus = os.path.join(OUT, "corpus.txt")
index = os.path.join(OUT, "docs.tsv")
off = 0
with open(corpus, "wb") as fc, open(index, "w", encoding="utf-8") as fi:
    for section, src, text in docs:
        b = text.encode("utf-8")
        fc.write(b)
        fi.write(f"{off}\t{len(b)}\t{section}\t{src}\n")
        off += len(b)
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()
with open(os.path.join(OUT, "SHA256SUMS"), "w") as f:
    f.write(f"{sha(corpus)}  corpus.txt\n{sha(index)}  docs.tsv\n")
print(f"wrote {corpus}: {off} bytes ({off/MB:.1f} MB), {len(docs)} documents", file=sys.stderr)
PY
cat "$OUT/SHA256SUMS"
