"""The map as one HTML file that opens from disk with no network: scripts and styles inlined."""

from __future__ import annotations

import html

import folium
from branca.element import Element

from ..assets import inline_assets


def standalone_html(m: folium.Map, groups: list[folium.FeatureGroup], title: str) -> str:
    """Render the base map with its layers into a self-contained page."""
    scripts, styles = inline_assets()
    m.default_js, m.default_css = [], []
    # "</script" inside a library's source would end the inline script early.
    inline = "".join(f"<style>{css}</style>" for css in styles) + "".join(
        f"<script>{js.replace('</script', '<' + chr(92) + '/script')}</script>" for js in scripts
    )
    root = m.get_root()
    root.header.add_child(Element(inline), name="inline_assets", index=0)
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="title")
    # Saved to disk and opened weeks later, the page itself must say which date and data version it shows.
    root.html.add_child(Element(
        f'<div class="standalone-title" style="position:fixed;top:10px;left:60px;z-index:1000;background:#fff;'
        f'padding:4px 8px;border:1px solid #888;font:14px sans-serif">{html.escape(title)}</div>'
    ), name="visible_title")
    for group in groups:
        group.add_to(m)
    return root.render()
