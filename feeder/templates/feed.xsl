<?xml version="1.0" encoding="UTF-8"?>
<!-- feeder: the browser view of this site's RSS and Atom feeds. Feed readers ignore this file. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:fh="http://purl.org/syndication/history/1.0"
    exclude-result-prefixes="atom dc fh">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
  <xsl:variable name="subtitle" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
  <xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[not(@rel) or @rel='alternate']/@href"/>
  <xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
  <xsl:variable name="links" select="/rss/channel/atom:link | /atom:feed/atom:link"/>
  <xsl:variable name="lang">
    <xsl:choose>
      <xsl:when test="/rss/channel/language"><xsl:value-of select="/rss/channel/language"/></xsl:when>
      <xsl:when test="/atom:feed/@xml:lang"><xsl:value-of select="/atom:feed/@xml:lang"/></xsl:when>
      <xsl:otherwise>{{ language }}</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="{$lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> · {{ words.badge }}</title>
        <style>
          :root { color-scheme: light dark; --ink: #1d2330; --muted: #5b6475; --line: #e3e6ec; --paper: #ffffff;
                  --wash: #f5f7fa; --accent: #e8590c; --link: #1c5fd6; }
          @media (prefers-color-scheme: dark) {
            :root { --ink: #e7e9ee; --muted: #a3abba; --line: #2e3441; --paper: #14171d; --wash: #1c2029;
                    --link: #7fb0ff; }
          }
          * { box-sizing: border-box; }
          body { margin: 0; background: var(--wash); color: var(--ink); line-height: 1.7;
                 font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans CJK JP",
                              "Noto Sans JP", "Yu Gothic", sans-serif; }
          main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
          .about { background: var(--paper); border: 1px solid var(--line); border-left: 6px solid var(--accent);
                   border-radius: 12px; padding: 1.25rem 1.5rem; margin-bottom: 2rem; }
          .badge { display: inline-flex; align-items: center; gap: .45rem; font-size: .8rem; font-weight: 700;
                   letter-spacing: .04em; text-transform: uppercase; color: var(--accent); }
          .about h2 { margin: .35rem 0 .5rem; font-size: 1.2rem; }
          .about p { margin: .4rem 0; color: var(--muted); }
          .address { display: block; margin: .75rem 0 .25rem; padding: .6rem .8rem; border-radius: 8px;
                     background: var(--wash); border: 1px solid var(--line); font: .9rem ui-monospace, monospace;
                     overflow-wrap: anywhere; user-select: all; color: var(--ink); }
          .label { font-size: .8rem; color: var(--muted); }
          header.site h1 { margin: 0; font-size: 2rem; line-height: 1.25; }
          header.site p { margin: .35rem 0 0; color: var(--muted); }
          nav { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; margin: 1rem 0 2rem; font-size: .95rem; }
          a { color: var(--link); text-decoration: none; }
          a:hover { text-decoration: underline; }
          h2.recent { font-size: .9rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
                      border-bottom: 1px solid var(--line); padding-bottom: .5rem; }
          article { padding: 1.1rem 0; border-bottom: 1px solid var(--line); }
          article h3 { margin: 0 0 .2rem; font-size: 1.15rem; line-height: 1.45; }
          article time { font-size: .85rem; color: var(--muted); }
          article p { margin: .4rem 0 0; color: var(--ink); }
          .notice { background: var(--paper); border: 1px dashed var(--line); border-radius: 8px; padding: .6rem 1rem;
                    color: var(--muted); }
        </style>
      </head>
      <body>
        <main>
          <section class="about">
            <span class="badge">
              <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><rect width="16" height="16" rx="3" fill="#e8590c"/><circle cx="4.5" cy="11.5" r="1.6" fill="#fff"/><path d="M3 7a6 6 0 0 1 6 6h-1.8A4.2 4.2 0 0 0 3 8.8z M3 3a10 10 0 0 1 10 10h-1.8A8.2 8.2 0 0 0 3 4.8z" fill="#fff"/></svg>
              {{ words.badge }}
            </span>
            <h2>{{ words.heading }}</h2>
            <p>{{ words.explain }}</p>
            <span class="label">{{ words.address }}</span>
            <code class="address"><xsl:value-of select="$self"/></code>
            <p><a href="{{ words.about_url }}">{{ words.about }}</a></p>
          </section>
          <header class="site">
            <h1><xsl:value-of select="$title"/></h1>
            <xsl:if test="normalize-space($subtitle)"><p><xsl:value-of select="$subtitle"/></p></xsl:if>
          </header>
          <nav>
            <a href="{$home}">{{ words.visit }} →</a>
            <xsl:for-each select="$links[@rel='current']"><a href="{@href}">{{ words.current }}</a></xsl:for-each>
            <xsl:for-each select="$links[@rel='next-archive']"><a href="{@href}">{{ words.newer }}</a></xsl:for-each>
            <xsl:for-each select="$links[@rel='prev-archive']"><a href="{@href}">← {{ words.older }}</a></xsl:for-each>
          </nav>
          <xsl:if test="/rss/channel/fh:archive | /atom:feed/fh:archive">
            <p class="notice">{{ words.archive }}</p>
          </xsl:if>
          <h2 class="recent">{{ words.recent }}</h2>
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item | atom:entry">
    <article>
      <h3><a href="{link | atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="title | atom:title"/></a></h3>
      <time>
        <xsl:choose>
          <xsl:when test="pubDate"><xsl:value-of select="substring(pubDate, 6, 11)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="substring(atom:published, 1, 10)"/></xsl:otherwise>
        </xsl:choose>
        <xsl:if test="dc:creator | atom:author/atom:name"> · <xsl:value-of select="(dc:creator | atom:author/atom:name)[1]"/></xsl:if>
      </time>
      <p>
        <xsl:call-template name="text">
          <xsl:with-param name="html" select="(description | atom:summary)[1]"/>
        </xsl:call-template>
      </p>
    </article>
  </xsl:template>

  <!-- The summary is escaped HTML: show its text (tags dropped, common entities decoded), never its markup,
       so the view works in every browser, including those without disable-output-escaping.
       XSLT 1.0 walks a string by recursion, and browsers stop a transform at about 3,000 levels (libxslt
       counts each call and each parameter): a walk of one level per tag left the page blank for a summary of
       4,000 <br>.  So the walks divide and conquer: the string is cut in two before a '<' (or an '&') near its
       middle and each part is walked alike, which nests about twice the logarithm of its length, however many
       tags or entities it holds; a part with a single one left is read directly. -->
  <xsl:template name="text">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains(substring($html, 2), '&lt;')">
        <xsl:variable name="at">
          <xsl:call-template name="split-at"><xsl:with-param name="s" select="$html"/><xsl:with-param name="c" select="'&lt;'"/></xsl:call-template>
        </xsl:variable>
        <xsl:call-template name="text"><xsl:with-param name="html" select="substring($html, 1, $at - 1)"/></xsl:call-template>
        <xsl:call-template name="text"><xsl:with-param name="html" select="substring($html, $at)"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="starts-with($html, '&lt;')">
        <xsl:call-template name="entities"><xsl:with-param name="s" select="substring-after($html, '&gt;')"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="entities"><xsl:with-param name="s" select="$html"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="entities">
    <xsl:param name="s"/>
    <xsl:variable name="rest" select="substring($s, 2)"/>
    <xsl:choose>
      <xsl:when test="contains($rest, '&amp;')">
        <xsl:variable name="at">
          <xsl:call-template name="split-at"><xsl:with-param name="s" select="$s"/><xsl:with-param name="c" select="'&amp;'"/></xsl:call-template>
        </xsl:variable>
        <xsl:call-template name="entities"><xsl:with-param name="s" select="substring($s, 1, $at - 1)"/></xsl:call-template>
        <xsl:call-template name="entities"><xsl:with-param name="s" select="substring($s, $at)"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="not(starts-with($s, '&amp;'))"><xsl:value-of select="$s"/></xsl:when>
      <xsl:when test="starts-with($rest, 'amp;')">&amp;<xsl:value-of select="substring($rest, 5)"/></xsl:when>
      <xsl:when test="starts-with($rest, 'lt;')">&lt;<xsl:value-of select="substring($rest, 4)"/></xsl:when>
      <xsl:when test="starts-with($rest, 'gt;')">&gt;<xsl:value-of select="substring($rest, 4)"/></xsl:when>
      <xsl:when test="starts-with($rest, 'quot;')">"<xsl:value-of select="substring($rest, 6)"/></xsl:when>
      <xsl:when test="starts-with($rest, '#39;')">'<xsl:value-of select="substring($rest, 5)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The position of a $c in $s, the first after its middle if there is one, else nearer the start (halving
       the distance each time); never 1.  Only called when $c occurs after the first character. -->
  <xsl:template name="split-at">
    <xsl:param name="s"/>
    <xsl:param name="c"/>
    <xsl:param name="from" select="floor(string-length($s) div 2)"/>
    <xsl:variable name="after" select="substring($s, $from + 1)"/>
    <xsl:choose>
      <xsl:when test="contains($after, $c)"><xsl:value-of select="$from + string-length(substring-before($after, $c)) + 1"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="split-at">
          <xsl:with-param name="s" select="$s"/>
          <xsl:with-param name="c" select="$c"/>
          <xsl:with-param name="from" select="floor($from div 2)"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
