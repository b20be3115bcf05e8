"""Documentation sites: a document's address from its place under ``[corpus] content_root``.

On a Hugo, MkDocs or Jekyll site the Markdown files carry no address in their
frontmatter: the site generator publishes each at a URL made from its path
(``content/a/b.md`` is ``/a/b/``, ``content/a/_index.md`` is ``/a/``). Without
that address every relative and root-relative link of the site was ``invalid``
("the document has no address"): about 2,000 of the 5,000 references of
gohugo.io's own documentation (``/quick-reference/page-collections/``,
``../other/``, ``/functions/go-template/range/#else``).

:class:`Site` gives such a file the address the generator gives it, so the
identity pass and the resolver need nothing new: a relative link resolves against
the document's own address, and a link that lands on a document's address is
``internal``. A link to the site that lands on no document is a file of the site
(Hugo's ``static/``, a page bundle's image) when one is there (``local``), else a
broken internal link: ``invalid`` with a reason starting :data:`NO_DOCUMENT`, never
sent to the archive or the live web (a page that is not in the content folder is a
typo or a removed page, which ``check`` reports as ``missing-document``).

Without ``base_url`` the site's origin is :data:`STAND_IN`, a ``.invalid`` host
(RFC 6761 §6.4: it never resolves, so no request can reach anybody even if one
were made); with it, the site's real address, so links written absolute
(``https://gohugo.io/functions/``) are recognised too.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

from linkrescue.archive.urls import SCHEME, identity_key, identity_of_key, looks_like_host
from linkrescue.crawler.config import CorpusSettings
from linkrescue.crawler.stages.resolve import Resolution, Status, document_address
from linkrescue.rewriters import find_frontmatter, identity_value, read_frontmatter

#: The site's origin when ``[corpus] base_url`` is empty: the ``.invalid`` top-level
#: domain is reserved never to resolve (RFC 6761 §6.4), and nothing is ever fetched
#: from it (a link to it is ``internal``, ``local`` or ``invalid``, never ``remote``).
STAND_IN = "https://content-root.invalid"
#: How the reason of a broken internal link starts (``check``: ``missing-document``).
NO_DOCUMENT = "no document of the corpus at "
#: File names that stand for their folder (Hugo's branch and leaf bundles, MkDocs).
FOLDER_PAGES = frozenset({"index", "_index", "readme"})
#: Frontmatter keys read from a document of the site besides ``address_keys``: Hugo's
#: ``slug`` (replaces the last part of the path) and ``aliases`` (other addresses
#: of the same page, published as redirects).
SITE_KEYS = ("slug", "aliases")


@dataclass(frozen=True, slots=True)
class Site:
    """A documentation site: where its content folder is, and its origin.

    ``prefix`` is the identity key of the origin (``gohugo.io``, or
    ``example.org/docs`` for a site under a path), lower-cased: identities on the
    site compare case-insensitively, as Hugo lower-cases the paths it publishes
    (``Functions/Range.md`` is ``/functions/range/``) and a link written
    ``/Functions/Range/`` means that page. Only the site's own identities fold: the
    news corpora's addresses (other hosts) compare exactly as before.
    """

    origin: str
    prefix: str
    content_root: str
    static_root: str | None
    extensions: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: CorpusSettings) -> Site | None:
        """The site of ``settings``, or None when ``content_root`` is empty (news corpora).

        ``content_root`` is taken as it is (the configuration made it absolute,
        relative to the config file's folder); Hugo's ``static/`` holds the files
        served at the site's root (``/images/x.png``): it is beside the content
        folder, or beside a folder above it for a multilingual site (gohugo.io's
        documentation: ``content/en/`` and ``static/`` at the top), so the nearest
        one within :data:`STATIC_LEVELS` folders up is taken.
        """
        if not settings.content_root:
            return None
        origin = (document_address(settings.base_url) or STAND_IN).split("#", 1)[0]
        origin = origin.split("?", 1)[0].rstrip("/")
        root = os.path.abspath(settings.content_root)
        return cls(
            origin=origin,
            prefix=site_prefix(origin),
            content_root=root,
            static_root=_static_root(root),
            extensions=tuple(e.lower() for e in settings.extensions),
        )

    def page_path(self, path: str) -> str | None:
        """The site path (``/a/b/``) the generator publishes the file ``path`` at, or
        None when the file is not under the content folder."""
        full = os.path.abspath(path)
        root = self.content_root
        if not full.startswith(root + os.sep):
            return None
        parts = full[len(root) + 1 :].split(os.sep)
        name = parts[-1]
        lower = name.lower()
        for ext in self.extensions:
            if lower.endswith(ext):
                name = name[: -len(ext)]
                break
        parts[-1] = name
        if name.lower() in FOLDER_PAGES:
            parts.pop()
        return "/" + "".join(p + "/" for p in parts)

    def address_of(
        self, page: str | None, frontmatter: Mapping[str, object], address_keys: tuple[str, ...]
    ) -> tuple[str | None, tuple[str, ...]]:
        """The address of a document published at ``page`` (:meth:`page_path`) and its
        aliases (both encoded, absolute).

        A frontmatter address (``address_keys``; Hugo's ``url: /about/``, which is a
        path on the site) wins over the file's place; ``slug`` replaces the last part
        of the path; ``aliases`` are further addresses of the same page. A file
        outside the content folder keeps only a frontmatter address, as before.
        """
        written = next(
            (v for k in address_keys if isinstance(v := frontmatter.get(k), str) and v.strip()),
            None,
        )
        if written is not None:
            address = self._address_value(written.strip())
        elif page is None:
            return None, ()
        else:
            slug = frontmatter.get("slug")
            if isinstance(slug, str | int) and str(slug).strip() and page != "/":
                page = posixpath.dirname(page.rstrip("/")) + "/" + str(slug).strip("/ ") + "/"
            address = self.origin + quote(page, safe="/%")
            address = document_address(address)
        if address is None:
            return None, ()
        return address, self._aliases(address, frontmatter.get("aliases"))

    def _address_value(self, value: str) -> str | None:
        """A frontmatter address on a documentation site: a path (``/about/``, or
        ``about/`` as Hugo also accepts) is on the site; a URL is itself."""
        if SCHEME.match(value) or value.startswith("//") or looks_like_host(value):
            return document_address(value)
        return document_address(self.origin + quote("/" + value.lstrip("/"), safe="/%?#=&"))

    def _aliases(self, address: str, value: object) -> tuple[str, ...]:
        values = value if isinstance(value, list) else [value]
        found = []
        for alias in values:
            if not isinstance(alias, str) or not alias.strip():
                continue
            alias = alias.strip()
            if not alias.startswith("/") and not SCHEME.match(alias):
                # Hugo resolves a relative alias against the page's folder.
                alias = urljoin(address.rstrip("/"), quote(alias, safe="/%"))
                found.append(document_address(alias))
            else:
                found.append(self._address_value(alias))
        return tuple(a for a in found if a is not None)

    def owns(self, resource_key: str) -> bool:
        """True when the resource (by its normalized key) is on the site."""
        return on_site(identity_of_key(resource_key).lower(), self.prefix)

    def html_page(self, resource_key: str) -> str | None:
        """The resource key of the page a ``.html`` link of the site means, or None.

        Jekyll publishes ``about.md`` at ``/about.html`` unless told otherwise, and
        Hugo with ``uglyURLs`` ``a/b.md`` at ``/a/b.html``; ``/a/index.html`` is the
        folder's page everywhere. So ``/about.html`` is looked up again as ``/about``.
        """
        path, sep, query = resource_key.partition("?")
        if path[-5:].lower() != ".html" or not self.owns(resource_key):
            return None
        path = path[:-5]
        if path.lower().endswith("/index"):
            path = path[:-5]
        return path + sep + query

    def unmatched(self, res: Resolution, doc_dir: str) -> Resolution:
        """``res`` (a ``remote`` link that matched no document) as the site sees it.

        On the site: the file it names (``local``, its path relative to the
        document's folder, as a relative ``local`` link is) when the content folder
        or ``static/`` holds it, else ``invalid`` with :data:`NO_DOCUMENT`. Elsewhere,
        or an archive URL of the site (the user asked for that capture), unchanged.
        """
        if res.archive is not None or res.url is None or res.key is None:
            return res
        split = urlsplit(res.url)
        identity = identity_key(res.url).lower()
        if not on_site(identity, self.prefix):
            return res
        site_path = split.path or "/"
        base_path = urlsplit(self.origin).path
        inside = site_path[len(base_path) :] if base_path else site_path
        found = self._file(inside)
        if found is not None:
            url = os.path.relpath(found, doc_dir or ".").replace(os.sep, "/")
            return Resolution(Status.LOCAL, url=url)
        shown = unquote(site_path) + (f"?{split.query}" if split.query else "")
        return Resolution(Status.INVALID, url=res.url, reason=NO_DOCUMENT + shown)

    def _file(self, inside: str) -> str | None:
        """The file at site path ``inside`` in the content folder or ``static/``, or None."""
        if inside.endswith("/"):
            return None  # a page URL: its document was looked up by identity
        try:
            name = unquote(inside, errors="strict")
        except UnicodeDecodeError:
            return None
        relative = posixpath.normpath("/" + name).lstrip("/")
        if not relative or relative.startswith(".."):
            return None
        for root in (self.content_root, self.static_root):
            if root is None:
                continue
            candidate = os.path.join(root, *relative.split("/"))
            if os.path.isfile(candidate):
                return candidate
        return None


#: How many folders above the content folder Hugo's ``static/`` is looked for.
STATIC_LEVELS = 3


def _static_root(content_root: str) -> str | None:
    """The nearest ``static`` folder beside the content folder or a folder above it."""
    folder = content_root
    for _ in range(STATIC_LEVELS):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
        candidate = os.path.join(folder, "static")
        if candidate != content_root and os.path.isdir(candidate):
            return candidate
    return None


def site_frontmatter(text: str, address_keys: tuple[str, ...]) -> Mapping[str, object]:
    """What :meth:`Site.address_of` reads from a document's frontmatter, read cheaply.

    The YAML parser (75-100 µs a document) runs only when ``slug`` or ``aliases`` is
    written there; otherwise the address is found as the identity pass finds it for
    news corpora (:func:`~linkrescue.rewriters.identity_value`, about 7 µs), so a
    documentation site is indexed as fast as a news corpus of the same size.
    """
    block = find_frontmatter(text)
    if block is None:
        return {}
    source = text[block.start : block.end]
    if "slug" in source or "aliases" in source:
        keys = address_keys + SITE_KEYS
        return read_frontmatter(text, resource_keys=(), data_keys=keys).data
    written = identity_value(text, address_keys)
    return {} if written is None or not address_keys else {address_keys[0]: written}


def site_prefix(origin: str) -> str:
    """The identity key of a site's origin, lower-cased (``gohugo.io``, ``example.org/docs``)."""
    return identity_key(origin + "/").lower()


def on_site(identity: str, prefix: str) -> bool:
    """True when ``identity`` (lower-cased) is ``prefix`` or below it (``prefix/…``,
    ``prefix?…``), never a longer host (``gohugo.io.example``)."""
    return identity.startswith(prefix) and (
        len(identity) == len(prefix) or identity[len(prefix)] in "/?"
    )
