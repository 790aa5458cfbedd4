"""Generate a deterministic Jekyll-style site for benchmarking ``feeder publish``.

    python3 bench/corpus.py DIR N [--seed S] [--full]

writes ``DIR/config.yaml`` and ``DIR/posts/`` with N posts shaped like the sample
(/work/shared/sample-posts): quoted YAML front matter (title, date in the three
forms real sites mix: ``2025-12-11 04:49:28 +0000``, ISO ``...Z`` and date-only,
categories, tags, author, a **bold** Markdown excerpt, reading_time on some),
then a ~9 KB Markdown body of Japanese and English paragraphs, headings, lists,
code, links and images.  Dates spread over the eight years before 2026-01-01
(all before 2025-12-31 00:00 UTC, so a post "added" by the benchmark at
2025-12-31 is the newest); about 20 % of the files live in ``posts/YYYY/``.

``--full`` also writes ``DIR/config-full.yaml`` (:func:`write_full_config`): the same site
with every feed on (RSS, Atom, JSON Feed, tag and category feeds, the XSLT stylesheet,
RFC 5005 archive pages of 50), a ``digest`` section (a sender, so ``feeder digest`` runs)
and its own ``state_dir`` and ``output_dir``
(``.feeder-full``, ``public-full``), so it never disturbs the 20-item config's state.

Why hand-formatted text rather than yaml.dump: 100,000 posts must generate in
well under a minute.  Every post is built from its own ``Random((seed, i))`` so
the output depends only on (N, seed) and posts can be built in parallel.

When the corpus is complete, ``DIR/corpus.json`` records N, seed, the generator
version and the newest/oldest post paths; :func:`ensure` reuses a corpus whose
stamp matches, and the benchmark removes the stamp while it edits posts so an
interrupted run is regenerated rather than trusted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

VERSION = 1
STAMP = "corpus.json"
START = datetime(2018, 1, 1, tzinfo=timezone.utc)
END = datetime(2025, 12, 31, tzinfo=timezone.utc)  # exclusive; the benchmark adds posts after it
TARGET_BYTES = 8600

CONFIG = """\
site:
  title: "Bench Site"
  url: https://bench.example.com/
  description: "A generated corpus for benchmarking feeder publish"
  language: ja
  timezone: Asia/Tokyo
posts_dir: posts
output_dir: public
state_dir: .feeder
feeds:
  max_items: 20
  content: full
"""
# Every feed on (the keys of the sample config.yaml at the repository root).
FULL_FEEDS = """\
  rss: feed.xml
  atom: atom.xml
  json: feed.json
  tags: true
  categories: true
  stylesheet: true
  archive: true
  archive_size: 50
"""
# What `feeder digest` needs besides (a sender), as in the sample config.yaml.
DIGEST = """\
digest:
  from: "Bench Site <digest@bench.example.com>"
  unsubscribe_url: https://bench.example.com/unsubscribe?email={email}
  max_items: 20
"""

JA = [
    "「{topic}、{verb}」というニュース、あなたも耳にしたかもしれませんね。業界を20年近く追いかけている私にとって、これは単なるアップデート発表以上の意味合いを持つ出来事だと感じています。正直なところ、最初は「またか」という思いもありました。この数年、技術の進化は目覚ましく、まるで毎月のように新しい「すごい」製品が登場しているような感覚ですから。",
    "シリコンバレーのピカピカのスタートアップから、私が長年見守ってきた日本の大企業まで、数えきれないほどの導入プロジェクトに立ち会ってきました。その中で、技術の「本質」を見抜くことの難しさ、そしてそれがビジネスにどう影響するかを、文字通り肌で感じてきたんです。{topic}も例外ではありません。",
    "もちろん、懸念がないわけではありません。今回の{topic}が「一般公開」という形をとったこと、そして「性能向上」という点。ここが、今回のニュースの肝だと考えています。性能向上が具体的にどの程度なのか、そして公開がどのレベルを指すのか。これは今後の開発の方向性、そしてビジネスへの影響を大きく左右するポイントです。",
    "投資家の視点から見ると、今回の発表は市場における「競争構造」を大きく変える可能性があります。これまで一部の巨大テック企業が囲い込んできた領域に、オープンな選択肢が加わる。そうなると、自社で開発・運用するという選択肢が、より現実的になる企業が増えるでしょう。既存のビジネスモデルの見直しを迫られる企業も出てくるはずです。",
    "技術者の視点では、これはまさに「腕の見せ所」です。強力な基盤があれば、これまで以上に創造的なアプリケーションやサービスを開発できるチャンスが広がります。特定の業界やタスクに特化したファインチューニングが容易になり、ローカル環境で動かしたり、自社のデータでさらに学習させたりすることで、より深いレベルでのカスタマイズが可能になります。",
    "一方で、懸念されるのは「悪用」のリスクです。高性能なツールが誰でも自由に使えるようになると、悪意のある目的に使われる可能性も高まります。フェイクニュースの生成、サイバー攻撃の巧妙化、あるいは倫理的に問題のあるコンテンツの拡散など、枚挙にいとまがありません。ここは業界全体で、そして社会全体で注視していく必要があります。",
    "歴史を振り返れば、大きな技術革新というのは、しばしば「オープンさ」と「アクセスしやすさ」によって加速されてきました。Linuxの登場がオープンソースソフトウェアの世界を大きく変え、インターネットの普及を支えたように、{topic}がどのような「波」をもたらすのか、私は非常に興味深く見ています。",
    "私自身、この分野の進化を追う中で、時にそのスピードに驚き、時にその複雑さに戸惑うこともあります。でも、だからこそ、今回の発表は単なる技術的な進歩に留まらず、社会にどう溶け込み、私たちの生活やビジネスをどう変えていくのか、その「未来」を考える上で非常に示唆に富む出来事だと感じているのです。",
    "具体的な数字を見てみましょう。前年同期比で売上高は{pct}%増、営業利益率も改善しています。ただし、この成長の多くは一時的な需要に支えられている可能性があり、来期以降も同じペースが続くと考えるのは楽観的すぎるかもしれません。決算説明会では、経営陣も慎重な見通しを示していました。",
    "日本企業にとっての示唆は何でしょうか。まず、意思決定のスピードです。海外の競合は四半期単位で戦略を修正していますが、多くの日本企業は年度計画に縛られがちです。{topic}のような変化の速い領域では、小さく試して素早く学ぶ姿勢が、これまで以上に重要になってくるはずです。",
    "あなたはどう感じますか？今回の{topic}の発表は、あなたのビジネスや日々の仕事、あるいは個人的な興味関心に、どのような影響を与えそうですか？ぜひ、あなたの考えも聞かせてほしいですね。コメント欄やSNSで、率直なご意見をお待ちしています。",
    "現場のエンジニアに話を聞くと、意外な答えが返ってきました。「性能よりも、運用のしやすさが決め手になる」というのです。ベンチマークの数字がいくら良くても、監視やデプロイの仕組みが整っていなければ、本番環境には載せられない。これは、導入を検討している企業にとって見落としがちな視点かもしれません。",
]

EN = [
    "When {topic} was announced, the reaction split along familiar lines. Enthusiasts pointed at the benchmark charts; skeptics asked what the charts left out. Having followed this industry for two decades, I have learned that both camps are usually half right, and that the interesting questions only appear once real customers start using the thing.",
    "The headline number is a {pct}% improvement over the previous generation, but the detail that matters more is where that improvement comes from. Most of it is better data and longer training rather than a new architecture, which means competitors can follow quickly. Moats built on scale tend to be shallower than they look.",
    "For developers, the practical change is cost. Tasks that needed a dedicated cluster a year ago now run on a single workstation, and that shifts who can experiment. The long tail of small teams, each solving a narrow problem well, is where I expect the most surprising products to come from over the next eighteen months.",
    "There is a regulatory angle too. Lawmakers in Brussels, Washington and Tokyo are all drafting rules, and none of them agree on what counts as a general-purpose system. Companies that ship globally will end up building to the strictest regime, which in practice means the compliance teams get a vote on the roadmap.",
    "Investors should watch three things: gross margins on inference, the churn rate of enterprise pilots, and how much of the revenue comes from a handful of very large customers. A business can look healthy on growth alone while all three of those quietly deteriorate, and by the time it shows up in the headline figures it is usually too late.",
    "None of this is to say the launch is unimportant. {topic} is a genuine step forward, and the team behind it deserves credit for publishing their evaluation methods alongside the results. That kind of openness makes it much easier for the rest of us to check the claims, and it raises the bar for everyone else.",
    "I spoke with an engineer who has been running the preview in production for a month. Her verdict was measured: faster, yes, and cheaper per request, but the failure modes are different and the old monitoring dashboards no longer catch them. Operational maturity, she said, is lagging the model by at least two quarters.",
    "Looking further ahead, the question is whether this wave consolidates around a few platforms or fragments into many specialised tools. History suggests both happen at once: a small number of foundations, and a sprawling ecosystem on top of them. The winners in the second layer rarely look obvious at the start.",
]

HEADINGS_JA = ["背景", "何が変わるのか", "投資家の視点", "技術者の視点", "リスクと課題", "今後の展望", "まとめ"]
HEADINGS_EN = ["Background", "What changes", "The numbers", "Risks", "What to watch", "Takeaways"]
TOPICS = ["Meta Llama 4", "Gemini 2", "Claude", "GPT-5", "Rust 2024", "Python 3.13", "Kubernetes 1.31",
          "NVIDIA Blackwell", "Apple Vision Pro", "量子コンピュータ", "生成AI", "半導体市場", "クラウド基盤",
          "電気自動車", "SQLite", "PostgreSQL 17", "WebAssembly", "RISC-V"]
VERBS = ["性能向上で一般公開", "新機能を発表", "価格改定へ", "日本市場に本格参入", "大型アップデート",
         "オープンソース化", "提供地域を拡大"]
EN_WORDS = ["ai", "cloud", "chip", "model", "market", "rust", "python", "open", "source", "launch", "update",
            "review", "analysis", "trend", "invest", "data", "edge", "quantum", "robot", "energy", "mobile",
            "security", "privacy", "startup", "japan", "tokyo", "week", "deep", "dive", "guide"]
CATEGORIES = ["投資分析", "技術解説", "ニュース", "Engineering", "Markets", "Opinion", "業界動向"]
TAGS = ["AI", "最新ニュース", "技術動向", "Meta", "投資", "Google", "半導体", "Python", "Rust", "Cloud",
        "Security", "Startup", "オープンソース", "データ分析", "LLM", "GPU"]
AUTHORS = ["ALLFORCES編集部", "Hana Sato", "Kenji Watanabe", "Emily Clark", "編集部 AI班"]
LISTS = [
    "- 学習データの規模と質\n- 推論コストの低下\n- ライセンス条件の変更\n- エコシステムの成熟度\n",
    "1. Read the release notes in full\n2. Benchmark on **your own** workload\n3. Check the licence terms\n4. Plan a rollback\n",
    "- **Pros**: faster, cheaper, open weights\n- **Cons**: new failure modes, immature tooling\n- *Unknown*: long-term support\n",
]
CODES = [
    "```python\nfrom transformers import pipeline\n\ngen = pipeline(\"text-generation\", model=\"bench/model\")\nprint(gen(\"こんにちは\", max_new_tokens=40)[0][\"generated_text\"])\n```\n",
    "```bash\n$ pip install --upgrade bench-sdk\n$ bench run --config config.yaml --workers 4\n```\n",
    "```rust\nfn main() {\n    let total: u64 = (1..=100).sum();\n    println!(\"total = {total}\");\n}\n```\n",
]
QUOTES = ["> 性能よりも、運用のしやすさが決め手になる。\n", "> The best benchmark is your own production traffic.\n"]


def _slug_words(rng: random.Random) -> str:
    return "-".join(rng.sample(EN_WORDS, rng.randint(2, 4)))


def _date(rng: random.Random) -> datetime:
    span = int((END - START).total_seconds())
    return START + timedelta(seconds=rng.randrange(span))


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(_quote(i) for i in items) + "]"


def body(rng: random.Random, topic: str, slug: str, extra: str = "") -> str:
    """~TARGET_BYTES of Markdown: paragraphs from the pools, broken up by other blocks."""
    parts = [f"{topic}で何が変わる？\n" if rng.random() < 0.5 else f"What {topic} really changes\n"]
    size = len(parts[0].encode())
    target = TARGET_BYTES + rng.randint(-800, 800)
    ja_share = rng.choice((0.9, 0.7, 0.5, 0.2))
    pct = rng.randint(3, 180)
    verb = rng.choice(VERBS)
    while size < target:
        roll = rng.random()
        if roll < 0.70:
            pool = JA if rng.random() < ja_share else EN
            block = rng.choice(pool).format(topic=topic, verb=verb, pct=pct) + "\n"
        elif roll < 0.80:
            head = rng.choice(HEADINGS_JA if rng.random() < ja_share else HEADINGS_EN)
            block = f"{'#' * rng.randint(2, 3)} {head}\n"
        elif roll < 0.86:
            block = rng.choice(LISTS)
        elif roll < 0.90:
            block = rng.choice(CODES)
        elif roll < 0.95:
            n = rng.randint(1, 999)
            block = (f"詳しくは[公式発表](https://example.com/{slug}/news-{n})と"
                     f"[解説記事](/{slug}/#section-{n})を参照してください。\n")
        elif roll < 0.98:
            block = f"![{topic}の概要図](/assets/images/{slug}-{rng.randint(1, 9)}.png \"{topic}\")\n"
        else:
            block = rng.choice(QUOTES)
        parts.append(block)
        size += len(block.encode())
    if extra:
        parts.append(extra)
    return "\n".join(parts)


def post(seed: int, i: int) -> tuple[str, datetime, str]:
    """(relative path, date, file text) of post *i*: depends only on (seed, i)."""
    rng = random.Random(seed * 1_000_003 + i)
    date = _date(rng)
    topic = rng.choice(TOPICS)
    slug = f"{_slug_words(rng)}-{i}"
    style = rng.random()
    if style < 0.6:
        shown = date.strftime("%Y-%m-%d %H:%M:%S +0000")
    elif style < 0.85:
        shown = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        shown = date.strftime("%Y-%m-%d")
        date = datetime(date.year, date.month, date.day, tzinfo=timezone.utc) - timedelta(hours=9)  # Tokyo midnight
    name = f"{date:%Y-%m-%d}-{slug}.md"
    rel = f"{date:%Y}/{name}" if rng.random() < 0.2 else name
    title = f"{topic}、{rng.choice(VERBS)}で何が変わる？ #{i}" if rng.random() < 0.7 else \
        f"{topic}: {rng.choice(HEADINGS_EN).lower()} and \"{rng.choice(EN_WORDS)}\" ({i})"
    lines = [
        "---",
        "layout: post",
        f"title: {_quote(title)}",
        f"date: {shown}",
        f"categories: {_flow(rng.sample(CATEGORIES, rng.randint(1, 2)))}",
        f"tags: {_flow(rng.sample(TAGS, rng.randint(2, 6)))}",
        f"author: {_quote(rng.choice(AUTHORS))}",
        f"excerpt: {_quote(f'**{topic}、{rng.choice(VERBS)}**について詳細に分析します。')}",
    ]
    if rng.random() < 0.6:
        lines.append(f"reading_time: {rng.randint(3, 15)}")
    lines.append("---")
    return rel, date, "\n".join(lines) + "\n\n" + body(rng, topic, slug)


def _write_range(args: tuple[str, int, int, int]) -> list[tuple[str, str]]:
    posts_dir, seed, lo, hi = args
    made: set[str] = set()
    dates = []
    for i in range(lo, hi):
        rel, date, text = post(seed, i)
        folder = rel.rpartition("/")[0]
        if folder and folder not in made:
            os.makedirs(os.path.join(posts_dir, folder), exist_ok=True)
            made.add(folder)
        with open(os.path.join(posts_dir, rel), "w", encoding="utf-8") as fh:
            fh.write(text)
        dates.append((date.isoformat(), rel))
    return dates


def full_config(state_dir: str = ".feeder-full", output_dir: str = "public-full") -> str:
    """:data:`CONFIG` with every feed on, keeping its state and outputs in folders of their own."""
    text = CONFIG.replace("output_dir: public\n", f"output_dir: {output_dir}\n")
    text = text.replace("state_dir: .feeder\n", f"state_dir: {state_dir}\n")
    assert text.endswith("  content: full\n"), "CONFIG's feeds section changed: update full_config"
    return text + FULL_FEEDS + DIGEST


def write_full_config(root: Path, name: str = "config-full.yaml", state_dir: str = ".feeder-full",
                      output_dir: str = "public-full") -> Path:
    """Write the every-feed-on config next to ``config.yaml`` (only when its text differs); its path."""
    path = Path(root) / name
    text = full_config(state_dir, output_dir)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def read_stamp(root: Path) -> dict | None:
    try:
        return json.loads((root / STAMP).read_text())
    except (OSError, ValueError):
        return None


def generate(root: Path, n: int, seed: int = 1, workers: int | None = None) -> dict:
    """Write the site from scratch (removing any previous posts) and return its stamp."""
    root = Path(root)
    (root / STAMP).unlink(missing_ok=True)
    for sub in ("posts", "public", ".feeder"):
        shutil.rmtree(root / sub, ignore_errors=True)
    posts_dir = root / "posts"
    posts_dir.mkdir(parents=True)
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    workers = workers or os.cpu_count() or 1
    step = max(1, -(-n // (workers * 4)))
    jobs = [(str(posts_dir), seed, lo, min(n, lo + step)) for lo in range(0, n, step)]
    if workers > 1 and n > 2000:
        with ProcessPoolExecutor(workers) as ex:
            chunks = list(ex.map(_write_range, jobs))
    else:
        chunks = [_write_range(j) for j in jobs]
    dated = sorted((d for c in chunks for d in c), reverse=True)
    stamp = {"version": VERSION, "n": n, "seed": seed,
             "newest": [rel for _, rel in dated[:20]], "oldest": [rel for _, rel in dated[-20:]]}
    (root / STAMP).write_text(json.dumps(stamp, ensure_ascii=False, indent=1))
    return stamp


def ensure(root: Path, n: int, seed: int = 1) -> tuple[dict, bool]:
    """The stamp of a complete corpus for (n, seed) at *root*, generating it if needed; (stamp, reused)."""
    stamp = read_stamp(Path(root))
    if stamp and (stamp.get("version"), stamp.get("n"), stamp.get("seed")) == (VERSION, n, seed):
        return stamp, True
    return generate(Path(root), n, seed), False


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--full", action="store_true", help="also write config-full.yaml: every feed on")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    generate(args.dir, args.n, args.seed)
    if args.full:
        write_full_config(args.dir)
    print(f"{args.n} posts in {args.dir} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
