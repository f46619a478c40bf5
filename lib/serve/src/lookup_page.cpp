#include "zone/serve/lookup_page.hpp"

#include "zone/build/coding.hpp"
#include "zone/io/unit_map.hpp"
#include "zone/report/report_output.hpp"

#include <string>

namespace zone::serve {

namespace {

// The page's words and colours for categories and dimensions are the
// library's, so that the portal, the HTML report and QGIS agree.
const char* const kTemplate = R"PAGE(<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>生态环境分区管控 项目符合性查询</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #222; background: #f6f7f5; }
header { background: #2e6b3a; color: #fff; padding: 12px 20px; }
header h1 { font-size: 20px; margin: 0; }
main { display: flex; flex-wrap: wrap; gap: 16px; padding: 16px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 14px; }
#form { flex: 0 1 360px; }
#result { flex: 1 1 480px; min-width: 320px; }
label { display: block; margin: 8px 0 3px; font-weight: bold; font-size: 14px; }
input, select, textarea { width: 100%; box-sizing: border-box; padding: 6px; font-size: 14px; }
textarea { height: 70px; font-family: monospace; }
button { margin-top: 12px; padding: 8px 22px; font-size: 15px; background: #2e6b3a; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
.hint { color: #666; font-size: 12px; margin: 2px 0; }
#verdict { font-size: 22px; font-weight: bold; padding: 8px 12px; border-radius: 4px; display: inline-block; }
.v-nonconforming { background: #fbe3e3; color: #a11; }
.v-conditional { background: #fff3d6; color: #8a5a00; }
.v-conforming { background: #e2f4e4; color: #1d6b2a; }
.v-incomplete { background: #e6ecf7; color: #234f9a; }
.error { color: #a11; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin: 6px 0 12px; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f0f2ef; }
h3 { margin: 14px 0 4px; font-size: 16px; border-left: 4px solid #2e6b3a; padding-left: 6px; }
svg { width: 100%; height: 260px; background: #eef3f7; border: 1px solid #ccc; overflow: hidden; }
.swatch { display: inline-block; width: 12px; height: 10px; opacity: 0.75; border: 1px solid #333; vertical-align: middle; }
.dash { display: inline-block; width: 22px; border-top: 2px dashed #6a2c8a; vertical-align: middle; }
</style>
</head>
<body>
<header><h1>生态环境分区管控 项目符合性查询（公共查阅）</h1></header>
<main>
<section id="form">
<form id="query">
<label for="kind">位置的写法</label>
<select id="kind">
<option value="point">经纬度（十进制或度分秒，CGCS2000）</option>
<option value="gk">高斯-克吕格坐标（带带号）</option>
<option value="geometry">GeoJSON 用地范围</option>
</select>
<label for="where">项目位置</label>
<textarea id="where" placeholder="117°01'30&quot;E,36°39'00&quot;N"></textarea>
<p class="hint">如：117.025,36.65；117°01′30″E,36°39′00″N；东经117度01分30秒，北纬36度39分；高斯坐标 39501234.5,4057000；或粘贴 GeoJSON。</p>
<label for="industry">国民经济行业代码（GB/T 4754）</label>
<input id="industry" placeholder="C2614">
<label for="nature">建设性质</label>
<select id="nature"><option value="">（未填）</option><option>新建</option><option>改建</option><option>扩建</option><option>技术改造</option></select>
<label for="attrs">其他属性（每行 名称=值）</label>
<textarea id="attrs" placeholder="vocs_t=12.5"></textarea>
<p class="hint">vocs_t：VOCs 排放量（吨/年）；water_m3：取水量（立方米/年）；groundwater_m3：其中地下水。</p>
<button id="go" type="submit">查询</button>
</form>
</section>
<section id="result">
<div id="status">请输入项目位置和行业代码后查询。</div>
<div id="verdict-box" hidden><span id="verdict"></span> <span id="verdict-en"></span></div>
<div id="missing"></div>
<div id="map-box" hidden><h3>涉及的环境管控单元</h3><svg id="map" viewBox="0 0 400 260" role="img" aria-label="管控单元示意图"></svg>
<p class="hint"><span class="swatch" style="background:@COLOUR1@"></span>优先保护 <span class="swatch" style="background:@COLOUR2@"></span>重点管控 <span class="swatch" style="background:@COLOUR3@"></span>一般管控　<span class="dash"></span>县级行政区界　<span style="color:#c00">●</span>项目位置</p></div>
<div id="units"></div>
<div id="rules"></div>
</section>
</main>
<script>
"use strict";
const VERDICTS = { nonconforming: "不符合", conditional: "有条件符合", conforming: "符合", incomplete: "无法判定" };
const LEVELS = { province: "省级", circle: "经济圈", city: "市级", unit: "单元" };
const EFFECTS = { prohibit: "禁止", restrict: "限制", require: "要求", info: "说明" };
const DIMENSIONS = @DIMENSIONS@;
const CATEGORIES = @CATEGORIES@;
const COLOURS = @COLOURS@;
const ATTRIBUTES = { industry: "国民经济行业代码", nature: "建设性质", vocs_t: "VOCs 排放量（吨/年）",
  water_m3: "取水量（立方米/年）", groundwater_m3: "地下水取水量（立方米/年）", integrated: "是否炼化一体化（1 是）",
  circle: "所在经济圈（地图数据未给出，请联系管理部门）" };
const $ = (id) => document.getElementById(id);
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }

function request() {
  const body = {};
  const where = $("where").value.trim();
  const kind = $("kind").value;
  if (kind === "geometry") body.geometry = JSON.parse(where); else body[kind] = where;
  if ($("industry").value.trim()) body.industry = $("industry").value.trim();
  if ($("nature").value) body.nature = $("nature").value;
  const attrs = {};
  for (const line of $("attrs").value.split("\n")) {
    const t = line.trim(); if (!t) continue;
    const eq = t.indexOf("=");
    if (eq <= 0) throw new Error("其他属性应写成 名称=值：" + t);
    attrs[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  if (Object.keys(attrs).length) body.attributes = attrs;
  return body;
}

function table(headers, rows) {
  const t = el("table"), h = el("tr");
  for (const x of headers) h.appendChild(el("th", x));
  t.appendChild(h);
  for (const r of rows) { const tr = el("tr"); for (const x of r) tr.appendChild(el("td", x)); t.appendChild(tr); }
  return t;
}

// The units (coloured by category), the site, and the county lines on top;
// the view fits the units and the site, county lines beyond it are cut off.
function drawMap(units, location, footprint, countyLines) {
  const svg = $("map"); svg.replaceChildren();
  const rings = [];
  const collect = (g, cat) => {
    if (!g) return;
    const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    for (const p of polys) for (const r of p) rings.push({ r, cat });
  };
  for (const u of units) collect(u.geometry, u.category);
  if (footprint) collect(footprint, 0);
  const pts = rings.flatMap((x) => x.r).concat([location]);
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  for (const [x, y] of pts) { minx = Math.min(minx, x); maxx = Math.max(maxx, x); miny = Math.min(miny, y); maxy = Math.max(maxy, y); }
  const k = Math.cos(((miny + maxy) / 2) * Math.PI / 180);
  const w = Math.max((maxx - minx) * k, 1e-4), h = Math.max(maxy - miny, 1e-4);
  const s = Math.min(380 / w, 240 / h);
  const X = (x) => 10 + (x - minx) * k * s + (380 - w * s) / 2, Y = (y) => 250 - (y - miny) * s - (240 - h * s) / 2;
  const ns = "http://www.w3.org/2000/svg";
  for (const { r, cat } of rings) {
    const p = document.createElementNS(ns, "polygon");
    p.setAttribute("points", r.map(([x, y]) => X(x).toFixed(1) + "," + Y(y).toFixed(1)).join(" "));
    p.setAttribute("fill", cat ? COLOURS[cat] : "none");
    p.setAttribute("fill-opacity", cat ? "0.75" : "0");
    p.setAttribute("stroke", cat ? "#333" : "#c00");
    p.setAttribute("stroke-width", cat ? "1" : "2");
    svg.appendChild(p);
  }
  for (const line of (countyLines && countyLines.coordinates) || []) {
    const l = document.createElementNS(ns, "polyline");
    l.setAttribute("class", "county-line");
    l.setAttribute("points", line.map(([x, y]) => X(x).toFixed(1) + "," + Y(y).toFixed(1)).join(" "));
    l.setAttribute("fill", "none");
    l.setAttribute("stroke", "#6a2c8a");
    l.setAttribute("stroke-width", "2");
    l.setAttribute("stroke-dasharray", "6 3");
    svg.appendChild(l);
  }
  const c = document.createElementNS(ns, "circle");
  c.setAttribute("cx", X(location[0])); c.setAttribute("cy", Y(location[1])); c.setAttribute("r", 5);
  c.setAttribute("fill", "#c00");
  svg.appendChild(c);
  $("map-box").hidden = false;
}

async function show(report, body) {
  $("status").textContent = report.footprint.description;
  $("verdict").textContent = VERDICTS[report.verdict] || report.verdict;
  $("verdict").className = "v-" + report.verdict;
  $("verdict-en").textContent = report.verdict;
  $("verdict-box").hidden = false;
  const missing = $("missing"); missing.replaceChildren();
  if (report.verdict === "incomplete") {
    missing.appendChild(el("p", "条款是否适用取决于以下尚未填写的项目属性，请补充后重新查询：", "error"));
    const ul = el("ul");
    for (const m of report.missing) ul.appendChild(el("li", (ATTRIBUTES[m] || m) + "（" + m + "）"));
    missing.appendChild(ul);
  }
  $("units").replaceChildren(table(["单元编码", "单元名称", "类别", "所在", "占地（平方米）"],
    report.units.map((u) => [u.code, u.name, CATEGORIES[u.category], [u.city, u.county].filter(Boolean).join(" "),
                             u.overlap_m2 ? u.overlap_m2.toFixed(1) : "—"])));
  const rules = $("rules"); rules.replaceChildren();
  for (const d of DIMENSIONS) {
    rules.appendChild(el("h3", d));
    const rows = report.hits.filter((h) => h.dimension === d).map((h) => [LEVELS[h.level], EFFECTS[h.effect], h.rule, h.unit, h.text]);
    for (const u of report.undecided.filter((h) => h.dimension === d))
      rows.push([LEVELS[u.level], EFFECTS[u.effect] + "（待定）", u.rule, u.unit, u.text + "　〔需补充：" + u.missing.map((m) => ATTRIBUTES[m] || m).join("、") + "〕"]);
    rules.appendChild(rows.length ? table(["层级", "管控", "条款", "单元", "要求"], rows) : el("p", "无适用条款。", "hint"));
  }
  const loc = report.footprint.location;
  try {
    const r = await fetch("v1/units?lon=" + loc[0] + "&lat=" + loc[1]);
    if (r.ok) {
      const at = await r.json();
      drawMap(at.units, loc, body.geometry && (body.geometry.geometry || body.geometry), at.county_lines);
    }
  } catch (e) { /* the map is a help, not the answer */ }
}

$("query").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("verdict-box").hidden = true; $("map-box").hidden = true;
  for (const id of ["missing", "units", "rules"]) $(id).replaceChildren();
  let body;
  try { body = request(); } catch (e) { $("status").replaceChildren(el("span", e.message, "error")); return; }
  $("status").textContent = "查询中…";
  try {
    const r = await fetch("v1/check", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const report = await r.json();
    if (!r.ok) { $("status").replaceChildren(el("span", "无法查询：" + report.error, "error")); return; }
    await show(report, body);
  } catch (e) { $("status").replaceChildren(el("span", "无法查询：" + e.message, "error")); }
});
</script>
</body>
</html>
)PAGE";

void replace_all(std::string& text, const std::string& token, const std::string& value) {
    for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
        text.replace(at, token.size(), value);
}

std::string build_page() {
    std::string page = kTemplate;
    std::string dimensions = "[", categories = "{ ", colours = "{ ";
    for (std::size_t d = 0; d < kDimensions.size(); ++d)
        dimensions += std::string(d ? ", " : "") + "\"" + kDimensions[d] + "\"";
    for (int c = 1; c <= 3; ++c) {
        const std::string key = std::string(c > 1 ? ", " : "") + std::to_string(c) + ": \"";
        categories += key + category_unit_name(c) + "\"";
        colours += key + category_colour(c) + "\"";
        replace_all(page, "@COLOUR" + std::to_string(c) + "@", category_colour(c));
    }
    replace_all(page, "@DIMENSIONS@", dimensions + "]");
    replace_all(page, "@CATEGORIES@", categories + " }");
    replace_all(page, "@COLOURS@", colours + " }");
    return page;
}

}  // namespace

// The page only calls this server's /v1/check and /v1/units (same origin);
// its map is an SVG drawn from the outlines and county lines /v1/units returns.
const std::string& lookup_page() {
    static const std::string page = build_page();
    return page;
}

}  // namespace zone::serve
