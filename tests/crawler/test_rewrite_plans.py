"""What the scan keeps for the rewrite is enough to rebuild each reference exactly.

The rewrite no longer scans a document again: it rebuilds the references it will
replace from the few values kept per reference and the document's text (checked
to be the one scanned). A rebuilt reference must be the scanned one, field for
field (span, line, column, syntax, element, attribute, frontmatter key), for every
kind a real article holds, and only remote and internal references are kept.
"""

from __future__ import annotations

from linkrescue.crawler.stages.resolve import Resolution, Status, document_address, resolve
from linkrescue.crawler.stages.rewrite import plan_of
from linkrescue.crawler.stages.scan import FileResult, Record
from linkrescue.rewriters import read_document
from linkrescue.rewriters.files import fingerprint
from linkrescue.rewriters.model import LineIndex

PHOTO = "https://web.archive.org/web/20211229095346im_/https://assets.thestandnews.com/media/photos/%E5%9C%96.jpg"
ARTICLE = "http://web.archive.org/web/20211229095346/https://www.thestandnews.com/politics/x/"
TEXT = f"""---
title: "記 Clubhouse 房間"
original_url: "thestandnews.com/international/clubhouse-room"
image: "{PHOTO}"
cover: {{src: '{PHOTO}?c'}}
---
![]({PHOTO}#圖一) [文章](<{ARTICLE}> "t") <{ARTICLE}?auto> [電郵](mailto:a@b.hk)
見 {ARTICLE}?bare 及 [上一篇](../../politics/y/)
<figure><img src="{PHOTO}?dq" srcset="{PHOTO}?1x 1x, {PHOTO}?2x 2x" alt=圖></figure>
{{{{< video src="{PHOTO}?v" >}}}}

[ref]: {ARTICLE}?def
"""
OTHER = "/corpus/politics/y.md"  # the document the relative link names


def test_every_kept_reference_is_rebuilt_as_the_scan_found_it() -> None:
    doc = read_document(TEXT, resource_keys=("image", "cover"))
    address = document_address("thestandnews.com/international/clubhouse-room")
    records = []
    for ref in doc.references:
        res = resolve(ref, "/corpus/international", address)
        internal = ref.raw == "../../politics/y/"
        if internal:
            assert res.status is Status.REMOTE
            res = Resolution(Status.INTERNAL, res.url, res.archive, None, res.key)
        records.append(Record("a.md", ref, res, OTHER if internal else None))
    result = FileResult("a.md", records=records, digest=fingerprint(TEXT.encode()))

    plan = plan_of(result)

    kept = [r for r in records if r.res.status in (Status.REMOTE, Status.INTERNAL)]
    assert len(kept) == len(records) - 1  # all but the mailto: link
    lines = LineIndex.of(TEXT)
    assert [span.reference(TEXT, lines) for span in plan.spans] == [r.ref for r in kept]
    assert [span.resource for span in plan.spans] == [r.res.key for r in kept]
    assert [span.document for span in plan.spans] == [r.document for r in kept]
    assert plan.spans[2].fragment == "%E5%9C%96%E4%B8%80"  # "#圖一", as the URL carries it
    assert plan.digest == fingerprint(TEXT.encode())
