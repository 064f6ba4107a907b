"""What the dashboard adds to Streamlit's own front end where no Streamlit option exists: its
built-in English widget text in Chinese, and chart tooltips large enough for a projector.

Why a script: Streamlit has no locale setting (streamlit/streamlit#1353, open since 2020; the
file uploader's texts are not parameters either, #13500, and the pull request that would have
added them, #10042, was closed). Its widgets write "Upload", "Drag and drop files here", "50MB per
file", "Select all", "Press Enter to submit form", the dataframe toolbar's "Download as CSV" /
"Search" / "Fullscreen" … in English into a Chinese page. ``st.html(..., unsafe_allow_javascript=
True)`` (Streamlit ≥ 1.52) runs a script in the page itself, so ``install`` injects, once per page,
a small script that rewrites exactly those strings — whole text nodes and the title / aria-label /
placeholder attributes that equal one of them, never a part of a text — and a MutationObserver that
does the same for whatever Streamlit draws later (tooltips, menus, a re-rendered widget). In English
the script puts back what it changed. CSS alone could not do it: most of these texts are plain text
nodes without a class of their own, and ``content:`` replacements would hide them from screen readers.

What stays English: text Streamlit draws on a canvas (the dataframe's cells and headers are our own
strings; its column-type icons have no text), browser-native UI (the file chooser dialog, the
scrollbar), error pages shown before the app's JavaScript runs, and messages of Streamlit's
connection layer that are not in the table below.
"""

from __future__ import annotations

import json

import streamlit as st

CONTAINER_KEY = "dashboard_frontend"

# Streamlit's built-in strings (as in its front-end bundle, 1.5x–1.6x) → the Chinese a user expects.
WIDGET_TEXT_ZH: dict[str, str] = {
    # file uploader
    "Upload": "上传",
    "Upload directories": "上传文件夹",
    "Add files": "添加文件",
    "Browse files": "选择文件",
    "Drag and drop file here": "将文件拖放到此处",
    "Drag and drop a file here": "将文件拖放到此处",
    "Drag and drop files here": "将文件拖放到此处",
    "Drag and drop directories here": "将文件夹拖放到此处",
    "file upload": "上传文件",
    "Error uploading file": "文件上传失败",
    "Error deleting file": "文件删除失败",
    "Delete": "删除",
    "Remove file": "移除文件",
    # select boxes and multiselects
    "Choose an option": "请选择",
    "Choose options": "请选择",
    "No options to select": "没有可选项",
    "No results": "没有匹配项",
    "Select all": "全选",
    "Clear all": "全部清除",
    "Clear value": "清除",
    "Open": "展开",
    "Selected values": "已选项",
    # text inputs and forms
    "Press Enter to submit form": "按回车键提交",
    "Press Enter to apply": "按回车键确认",
    "Show password": "显示密码",
    "Hide password": "隐藏密码",
    "Clear entry": "清除",
    "Increment": "增加",
    "Decrement": "减少",
    "Choose date": "选择日期",
    "Clear date": "清除日期",
    "Download failed": "下载失败",
    # dataframe toolbar, search and column menu
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Type to search": "输入以搜索",
    "Close Search": "关闭搜索",
    "Next Result": "下一个",
    "Previous Result": "上一个",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Show/hide columns": "显示/隐藏列",
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Format": "数字格式",
    "Autosize": "自动列宽",
    "Pin column": "固定列",
    "Unpin column": "取消固定列",
    "Hide column": "隐藏列",
    "Copy column name": "复制列名",
    "Statistics": "统计",
    "Automatic": "自动",
    "Localized": "本地格式",
    "Plain": "纯数字",
    "Compact": "紧凑",
    "Percent": "百分比",
    "Scientific": "科学计数",
    "Accounting": "会计格式",
    "Count": "计数",
    "Distinct": "不同值",
    "Minimum": "最小值",
    "Maximum": "最大值",
    "Average": "平均值",
    "Median": "中位数",
    "Sum": "合计",
    "Standard deviation": "标准差",
    "Empty": "空值",
    "Clear selection": "清除选择",
    "Loading...": "加载中…",
    # charts
    "Show data": "显示数据",
    "Show chart": "显示图表",
    "Download as PNG": "下载为 PNG",
    "Copy Vega-Lite spec": "复制图表定义",
    "Vega visualization": "图表",
    # page frame, menus, connection
    "Skip to main content": "跳到正文",
    "Collapse sidebar": "收起侧边栏",
    "Expand sidebar": "展开侧边栏",
    "App pages": "页面",
    "Sidebar": "侧边栏",
    "Main menu": "主菜单",
    "Link to heading": "本节链接",
    "View less": "收起",
    "Dismiss": "关闭",
    "Close": "关闭",
    "Copy": "复制",
    "Copied": "已复制",
    "Cancel": "取消",
    "Retry": "重试",
    "Try again": "重试",
    "Running...": "运行中…",
    "Stop": "停止",
    "Stopping...": "正在停止…",
    "Rerun": "重新运行",
    "Clear cache": "清除缓存",
    "Settings": "设置",
    "Print": "打印",
    "About": "关于",
    "Connecting": "正在连接",
    "Please wait...": "请稍候…",
    "Connection error": "连接出错",
    "Page not found": "页面不存在",
    "Next page": "下一页",
    "Previous page": "上一页",
    "Notifications": "通知",
}

# Texts with a number or a name inside: (JavaScript regular expression, replacement).
WIDGET_PATTERNS_ZH: list[tuple[str, str]] = [
    (r"^(\d+(?:\.\d+)?\s?[KMGT]?B) per file$", "单个文件不超过 $1"),
    (r"^Limit (\d+(?:\.\d+)?\s?[KMGT]?B) per file(.*)$", "单个文件不超过 $1$2"),
    (r"^(\d+) options? available\.?$", "共 $1 个选项"),
    (r"^Select (\d+) matches$", "选择 $1 个匹配项"),
    (r"^Remove (.+)$", "移除 $1"),
    (r"^View (\d+) more$", "再显示 $1 项"),
    (r"^Page (\d+)$", "第 $1 页"),
    (r"^Press (Ctrl|⌘)\+Enter to submit form$", "按 $1+回车键提交"),
    (r"^Press (Ctrl|⌘)\+Enter to apply$", "按 $1+回车键确认"),
    (r"^(.+) — start$", "$1 — 起"),  # the two thumbs of a range slider
    (r"^(.+) — end$", "$1 — 止"),
]

# Chart tooltips (vega-tooltip, styled by Streamlit at 12.75 px with the keys at 70% opacity):
# at least 14 px and full-strength text, as the rest of the chart text (dashboard.charts).
TOOLTIP_CSS = """
#vg-tooltip-element.vg-tooltip, #vg-tooltip-element.vg-tooltip td {
  font-size: 15px !important; color: #1F2933 !important; }
#vg-tooltip-element.vg-tooltip { background-color: #FFFFFF !important; }
"""

_SCRIPT = """
(() => {
  const LANG = %(lang)s;
  const EXACT = new Map(Object.entries(%(exact)s));
  const PATTERNS = %(patterns)s.map(([re, to]) => [new RegExp(re), to]);
  const ATTRS = ["title", "aria-label", "placeholder"];
  // never inside icons (ligature names), code, JSON or charts: those are not Streamlit's sentences
  const SKIP = "script, style, svg, code, pre, [data-testid='stIconMaterial'], [data-testid='stJson'], "
    + "[data-testid='stCode'], [data-testid='stTable']";
  const w = window;
  const state = w.__dashboardWidgetText = w.__dashboardWidgetText || {lang: null, changed: [], observer: null};
  state.lang = LANG;

  function translated(value) {
    const text = value.trim();
    if (!text || !/[A-Za-z]/.test(text)) return null;
    let out = EXACT.get(text);
    if (out === undefined) {
      for (const [re, to] of PATTERNS) { if (re.test(text)) { out = text.replace(re, to); break; } }
    }
    return out === undefined ? null : value.replace(text, out);
  }
  function skipped(el) { return !el || el.closest(SKIP) !== null; }
  function remember(node, attr, before, after) {
    if (state.changed.length > 5000) state.changed = state.changed.filter((c) => c[0].isConnected);
    state.changed.push([node, attr, before, after]);
  }
  function fixText(node) {
    if (skipped(node.parentElement)) return;
    const before = node.nodeValue, after = translated(before);
    if (after !== null && after !== before) { remember(node, null, before, after); node.nodeValue = after; }
  }
  function fixAttrs(el) {
    if (skipped(el)) return;
    for (const attr of ATTRS) {
      const before = el.getAttribute(attr);
      if (!before) continue;
      const after = translated(before);
      if (after !== null && after !== before) { remember(el, attr, before, after); el.setAttribute(attr, after); }
    }
  }
  function fixTree(root) {
    if (root.nodeType === Node.TEXT_NODE) return fixText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixAttrs(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.nodeType === Node.ELEMENT_NODE && n.matches(SKIP))
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) fixText(n); else fixAttrs(n);
    }
  }
  function restore() {
    for (const [node, attr, before, after] of state.changed) {
      if (!node.isConnected) continue;
      if (attr === null) { if (node.nodeValue === after) node.nodeValue = before; }
      else if (node.getAttribute(attr) === after) node.setAttribute(attr, before);
    }
    state.changed = [];
  }
  if (!state.observer) {
    state.observer = new MutationObserver((records) => {
      if (state.lang !== "zh") return;
      for (const r of records) {
        if (r.type === "characterData") fixText(r.target);
        else if (r.type === "attributes") fixAttrs(r.target);
        else r.addedNodes.forEach(fixTree);
      }
    });
    state.observer.observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRS,
    });
  }
  if (LANG === "zh") fixTree(document.body); else restore();
})();
"""


def script(lang: str) -> str:
    """The page script for ``lang``: Chinese rewrites Streamlit's English, English undoes that."""
    return _SCRIPT % {
        "lang": json.dumps(lang),
        "exact": json.dumps(WIDGET_TEXT_ZH, ensure_ascii=False),
        "patterns": json.dumps(WIDGET_PATTERNS_ZH, ensure_ascii=False),
    }


def install(lang: str) -> None:
    """Inject the tooltip style and the widget-text script into the page (a hidden element at the
    end of the sidebar). Call once per run, before anything can stop the script (the sign-in form
    has a "Press Enter to submit form" too)."""
    style = f"<style>.st-key-{CONTAINER_KEY} {{ display: none; }}{TOOLTIP_CSS}</style>"
    body = f'{style}<script type="text/javascript">{script(lang)}</script>'  # our own text only, no data
    with st.sidebar.container(key=CONTAINER_KEY):
        st.html(body, unsafe_allow_javascript=True)
