"""A heavy week for the digest: 20 long posts, and how its email measures up to Gmail's clip.

    python3 bench/heavy_week.py [--out DIR] [--seed S]

writes a site to DIR (default: a temporary folder) whose week 2025-W50 holds 20
long posts, Japanese and English alternately, each with a hero image, and before
its ``<!--more-->`` a paragraph with bold text and a link, a bare URL of ~150
characters, a list, a code block, a table of large numbers and an inline image;
then renders that week's digest as ``feeder digest`` does and prints:

* the HTML part as it travels (its transfer encoding and encoded bytes, with room
  for the longest unsubscribe URL) against Gmail's clip, and its decoded bytes;
* how many of the 20 posts the digest kept, and the excerpt length they got;
* the Nu HTML checker's errors (``java`` and vnu.jar: ``FEEDER_VNU_JAR`` or
  ``.ci/vnu``), and SpamAssassin's score and rules (``spamassassin -t -L``), when
  those tools are installed.

Everything comes from ``random.Random(seed)``: the same seed gives byte-identical
posts (``tests/test_heavy_week.py`` builds the same week and holds it under the clip).
The text pools are the publish benchmark's (``bench/corpus.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # corpus.py, when run as a script or imported by a test
import corpus

REPO = Path(__file__).resolve().parent.parent
WEEK = "2025-W50"
NOW = datetime(2025, 12, 20, tzinfo=timezone.utc)
POSTS = 20
MONDAY = datetime(2025, 12, 8, 9, 0, tzinfo=timezone(timedelta(hours=9)))  # 2025-W50 on a Tokyo site

CONFIG = """\
site:
  title: ALLFORCES
  url: https://allforces.example.com/
  description: AIと投資、テクノロジーの今を読み解く編集部ブログ
  language: ja
  timezone: Asia/Tokyo
  author:
    name: ALLFORCES編集部
posts_dir: posts
output_dir: public
state_dir: .feeder
digest:
  from: "ALLFORCES編集部 <digest@allforces.example.com>"
  unsubscribe_url: https://allforces.example.com/unsubscribe?email={email}
  subject: "{site} Weekly {start}〜{end} ({week})"
  max_items: 20
  excerpt_length: 600
"""

TABLE_JA = ("| 四半期 | 売上高（円） | 営業利益（円） | 前年比 |\n|---|---:|---:|---:|\n"
            "| 2025年Q1 | {a:,} | {b:,} | +{p}% |\n| 2025年Q2 | {c:,} | {d:,} | +{q}% |\n"
            "| 2025年Q3 | {e:,} | {f:,} | −{r}% |\n")
TABLE_EN = ("| Quarter | Revenue (USD) | Operating income (USD) | YoY |\n|---|---:|---:|---:|\n"
            "| Q1 2025 | {a:,} | {b:,} | +{p}% |\n| Q2 2025 | {c:,} | {d:,} | +{q}% |\n"
            "| Q3 2025 | {e:,} | {f:,} | −{r}% |\n")
TITLES_JA = ["{topic}、{verb}：決算と技術の両面から読み解く", "{topic}は何を変えるのか — 現場の声と数字で検証",
             "週末に読みたい{topic}の論点整理：投資家とエンジニアの視点"]
TITLES_EN = ["{topic}: what the numbers say and what they leave out", "A week with {topic} in production",
             "Reading the {topic} launch as an investor and as an engineer"]


def post_text(i: int, rng: random.Random) -> tuple[str, str]:
    """(file name, Markdown with front matter) of post *i* of the week (0 = Monday morning)."""
    ja = i % 2 == 0
    topic, verb = rng.choice(corpus.TOPICS), rng.choice(corpus.VERBS)
    title = rng.choice(TITLES_JA if ja else TITLES_EN).format(topic=topic, verb=verb)
    when = MONDAY + timedelta(hours=8 * i + rng.randint(0, 5), minutes=rng.randint(0, 59))
    slug = f"{corpus._slug_words(rng)}-{i:02d}"
    tags = rng.sample(corpus.TAGS, 5)
    query = f"utm_source=newsletter&utm_medium=email&utm_campaign=weekly-{WEEK.lower()}&ref={slug}"
    long_url = (f"https://research.allforces.example.com/reports/2025/12/{slug}/"
                f"{'-'.join(rng.sample(corpus.EN_WORDS, 6))}/full-text.html?{query}")
    numbers = {k: rng.randrange(10**9, 10**11, 10**4) for k in "abcdef"} | {
        k: rng.randint(2, 40) for k in "pqr"}
    pool = corpus.JA if ja else corpus.EN
    paragraph = [rng.choice(pool).format(topic=topic, verb=verb, pct=rng.randint(5, 60)) for _ in range(12)]
    link_text = "解説記事" if ja else "the full analysis"
    excerpt = [
        f"**{topic}、{verb}**について、数字と現場の声から分析します。" if ja else
        f"**{topic}**: what changed this week, in numbers and in the words of the people running it.",
        f"背景は[{link_text}]({long_url})にまとめました。" if ja else
        f"The background is in [{link_text}]({long_url}).",
        f"<{long_url.replace('full-text', 'appendix')}>",
        rng.choice(corpus.LISTS),
        rng.choice(corpus.CODES),
        (TABLE_JA if ja else TABLE_EN).format(**numbers),
        f"![{'グラフ' if ja else 'Chart'}: {topic}](https://cdn.allforces.example.com/images/2025/12/{slug}/chart-1600x900.png)",
        paragraph[0],
    ]
    rest = [f"## {rng.choice(corpus.HEADINGS_JA if ja else corpus.HEADINGS_EN)}", *paragraph[1:8],
            rng.choice(corpus.QUOTES), *paragraph[8:]]
    front = "\n".join([
        "---",
        f"title: {json.dumps(title, ensure_ascii=False)}",
        f"date: {when.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"categories: [{json.dumps(rng.choice(corpus.CATEGORIES), ensure_ascii=False)}]",
        f"tags: {json.dumps(tags, ensure_ascii=False)}",
        f"author: {json.dumps(rng.choice(corpus.AUTHORS), ensure_ascii=False)}",
        f"image: https://cdn.allforces.example.com/images/2025/12/{slug}/hero-1200x630.png?v=2&fit=crop",
        "---", ""])
    body = "\n\n".join(excerpt) + "\n\n<!--more-->\n\n" + "\n\n".join(rest) + "\n"
    return f"{when.strftime('%Y-%m-%d')}-{slug}.md", front + body


def write_site(root: Path, seed: int = 50) -> Path:
    """The heavy week's site in *root* (config.yaml, posts/); returns the config's path."""
    rng = random.Random(seed)
    posts = root / "posts"
    if posts.exists():
        shutil.rmtree(posts)
    posts.mkdir(parents=True)
    for i in range(POSTS):
        name, text = post_text(i, rng)
        (posts / name).write_text(text, encoding="utf-8")
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return root / "config.yaml"


def vnu_errors(page: Path) -> list[str] | None:
    """The Nu HTML checker's errors on *page* (an HTML file); None when java or vnu.jar is missing."""
    jars = [os.environ.get("FEEDER_VNU_JAR", ""), str(REPO / ".ci/vnu/node_modules/vnu-jar/build/dist/vnu.jar")]
    jar, java = next((j for j in jars if j and Path(j).is_file()), None), shutil.which("java")
    if not (jar and java):
        return None
    done = subprocess.run([java, "-jar", jar, "--format", "json", "--stdout", str(page)],
                          capture_output=True, text=True, timeout=300, check=False)
    return [m["message"] for m in json.loads(done.stdout)["messages"] if m.get("type") == "error"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the site here (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=50)
    args = parser.parse_args()
    sys.path[:0] = [str(REPO), str(REPO / "tests")]  # feeder; tests/spamassassin.py, the tests' runner
    import spamassassin

    from feeder.config import load_config
    from feeder.digest.files import write_digest

    root = args.out or Path(tempfile.mkdtemp(prefix="heavy-week-"))
    config = load_config(write_site(root, args.seed))
    result = write_digest(config, NOW, WEEK, root / "digest")
    issue = result.issue
    assert issue is not None
    size = issue.size
    print(f"heavy week {WEEK} (seed {args.seed}): {root}")
    print(f"posts kept: {len(issue.posts)} of {POSTS}, excerpts of {issue.excerpt_length} characters")
    print(f"HTML part as sent: {size.encoded:,} bytes {size.encoding} (with the longest unsubscribe URL), "
          f"Gmail clips at {size.clip:,}: {size.spare:,} bytes to spare; "
          f"decoded {size.decoded:,} bytes, the other encoding {size.other:,}")
    for warning in issue.warnings:
        print(f"warning: {warning}")
    errors = vnu_errors(root / "digest" / f"{WEEK}.html")
    print("vnu: not run (needs java and vnu.jar)" if errors is None else
          f"vnu: {len(errors)} errors" + "".join(f"\n  {e}" for e in errors))
    if spamassassin.available():
        report = spamassassin.check((root / "digest" / f"{WEEK}.eml").read_bytes())
        print(f"SpamAssassin (-t -L): {report.score} points; rules: {', '.join(report.rules)}")
    else:
        print("SpamAssassin: not run (apt-get install spamassassin)")
    return 0 if len(issue.posts) == POSTS and size.encoded <= size.clip and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
