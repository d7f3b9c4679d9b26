// The dashboard's style sheet and script, inlined into the HTML report
// (report_html.cpp): no external asset.  The script fetches the report's
// JSON every few seconds (?refresh=SECONDS, default 5) and draws the page
// again with the same structure, keeping the tables' sort order; every
// string from the JSON goes in as text (textContent), never as markup.
// Clicking a table header sorts by that column.

namespace status_policy::report {

extern const char kDashboardStyle[] = R"CSS(
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2733;
       background: #f6f7f9; }
header { background: #1d2733; color: #fff; padding: 0.6em 1.2em;
         display: flex; flex-wrap: wrap; gap: 0 1.5em; align-items: baseline; }
header h1 { font-size: 1.2em; margin: 0; }
header p { margin: 0; opacity: 0.85; font-size: 0.9em; }
main { padding: 0.5em 1.2em 2em; max-width: 1200px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px;
          padding: 0.2em 1em 1em; margin: 1em 0; }
h2 { font-size: 1.15em; } h3 { font-size: 1em; margin: 1.2em 0 0.4em; }
.summary, .note { font-size: 0.9em; color: #4a5563; }
figure { margin: 0.5em 0; } figcaption { font-size: 0.85em; color: #4a5563; }
figure svg { width: 100%; height: 120px; background: #f0f4f8; }
figure polygon { fill: #9cc3e6; stroke: #2e86c1; stroke-width: 1.5;
                 vector-effect: non-scaling-stroke; }
svg.bars { width: 100%; max-width: 800px; font-size: 12px; }
svg.bars rect { fill: #2e86c1; } svg.bars rect.hot { fill: #c0392b; }
svg.spark { width: 120px; height: 20px; background: #f0f4f8; }
svg.spark polyline { fill: none; stroke: #2e86c1; stroke-width: 1.5;
                     vector-effect: non-scaling-stroke; }
tr.spiking svg.spark polyline { stroke: #c0392b; }
ul.incidents { padding-left: 1.2em; } ul.incidents li { margin: 0.2em 0; }
li.page .tag, li.deploy .tag { background: #c0392b; }
.tag { background: #5d6d7e; color: #fff; border-radius: 3px;
       padding: 0 0.4em; font-size: 0.85em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #dde1e6; padding: 3px 8px; text-align: left;
         vertical-align: top; }
th { background: #eef1f4; cursor: pointer; user-select: none; }
th[data-sorted="asc"]::after { content: " \25B2"; }
th[data-sorted="desc"]::after { content: " \25BC"; }
tr.spiking td { background: #fdecea; } tr.folded td { background: #fdf6ea; }
code { word-break: break-all; }
ol.events { font-size: 0.9em; padding-left: 1.5em; }
@media (max-width: 600px) {
  main { padding: 0.3em 0.5em 1em; } section { padding: 0.1em 0.6em 0.6em; }
  table { font-size: 0.8em; }
  td code { display: inline-block; min-width: 14em; }
}
)CSS";

extern const char kDashboardScript[] = R"JS(
(function () {
  'use strict';
  var every = Number(new URLSearchParams(location.search).get('refresh')) || 5;
  every = Math.max(1, every);
  var refreshes = 0;
  var SVG = 'http://www.w3.org/2000/svg';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function fixed(v) { return Number(v).toFixed(2); }
  function points(h, w, ht) {
    var max = Math.max(1, Math.max.apply(null, h.length ? h : [0]));
    return h.map(function (v, i) {
      var x = h.length > 1 ? w * i / (h.length - 1) : w;
      return fixed(x) + ',' + fixed(ht - (ht - 1) * v / max);
    }).join(' ');
  }
  function spark(h) {
    var s = svg('svg', {'class': 'spark', viewBox: '0 0 100 20',
                        preserveAspectRatio: 'none', role: 'img',
                        'aria-label': 'hits per window'});
    if (h && h.length) s.appendChild(svg('polyline', {points: points(h, 100, 20)}));
    return s;
  }
  function cell(tr, v, num) {
    var td = el('td', '', v);
    if (num) td.setAttribute('data-v', v);
    tr.appendChild(td);
    return td;
  }
  function codeCell(tr, text, more) {
    var td = el('td');
    add(td, el('code', '', text + (more ? '\u2026' : '')));
    tr.appendChild(td);
  }
  function list(td, items, field) {
    items.forEach(function (t, k) {
      if (k) td.appendChild(el('br'));
      add(td, t[field] + ' (' + t.count + ')');
    });
  }
  function rowClass(x) { return x.folded ? 'folded' : x.spiking ? 'spiking' : ''; }
  function table(cls, heads, rows) {
    var wrap = el('div', 'scroll'), t = el('table', cls);
    var tr = el('tr');
    heads.forEach(function (h) {
      var th = el('th', '', h[0]);
      if (h[1]) th.setAttribute('data-num', '');
      tr.appendChild(th);
    });
    add(t, add(el('thead'), tr));
    var body = el('tbody');
    rows.forEach(function (r) { body.appendChild(r); });
    t.appendChild(body);
    return add(wrap, t);
  }

  function rate(z) {
    var h = z.history || [];
    var fig = el('figure', 'rate'), cap = el('figcaption');
    add(cap, 'Responses counted per window of ' + fixed(z.window_seconds)
        + ' s over the last ' + fixed(h.length * z.window_seconds / 60)
        + ' min (peak ', el('b', 'peak', Math.max.apply(null, h.concat([0]))), ')');
    var s = svg('svg', {viewBox: '0 0 600 120', preserveAspectRatio: 'none',
                        role: 'img', 'aria-label': 'responses per window'});
    if (h.length) s.appendChild(svg('polygon', {points: '0,120.00 ' + points(h, 600, 120) + ' 600.00,120.00'}));
    return add(fig, cap, s);
  }
  function bars(z) {
    var top = z.top.slice(0, 20), row = 22;
    var max = Math.max(1, Math.max.apply(null, top.map(function (p) { return p.window_count; })));
    var s = svg('svg', {'class': 'bars', viewBox: '0 0 800 ' + (row * Math.max(top.length, 1) + 6),
                        role: 'img', 'aria-label': 'top paths'});
    top.forEach(function (p, i) {
      var y = i * row + 3, w = Math.max(1, Math.floor(380 * p.window_count / max));
      var label = svg('text', {x: 354, y: y + 15, 'text-anchor': 'end'});
      label.textContent = p.path.slice(0, 48);
      var bar = svg('rect', {x: 360, y: y + 3, width: w, height: row - 6});
      if (p.spiking) bar.setAttribute('class', 'hot');
      var n = svg('text', {x: 364 + w, y: y + 15});
      n.textContent = String(p.window_count);
      add(s, label, bar, n);
    });
    return s;
  }
  function incidents(z, sec) {
    var ul = el('ul', 'incidents'), n = 0, folded = 0;
    z.groups.forEach(function (g) {
      if (g.folded) folded++;
      if (!g.spiking || g.folded) return;
      n++;
      var li = el('li', g.kind);
      add(li, el('span', 'tag', g.kind === 'page' ? 'broken page' : 'broken deploy'),
          g.kind === 'page' ? ' from referer ' : ' under ', el('code', '', g.key),
          ': ' + g.window_count + ' across ' + g.paths + ' paths, peak '
          + g.spike_peak + ', since ' + g.spike_started);
      ul.appendChild(li);
    });
    z.top.forEach(function (p) {
      if (p.folded) folded++;
      if (!p.spiking || p.folded) return;
      n++;
      add(ul, add(el('li', 'path'), el('span', 'tag', 'path'), ' ', el('code', '', p.path),
                  ': ' + p.window_count + ' in the window, peak ' + p.spike_peak
                  + ', since ' + p.spike_started));
    });
    if (!n) ul.appendChild(el('li', 'none', 'none'));
    add(sec, el('h3', '', 'Spiking now'), ul);
    if (folded) sec.appendChild(el('p', 'note', folded + ' more spiking, folded into the incidents above.'));
  }
  function zone(z) {
    var sec = el('section', 'zone'), h2 = el('h2', '', 'Zone ');
    add(sec, add(h2, el('span', '', z.name)));
    var p = el('p', 'summary');
    add(p, el('b', 'counted', z.counted), ' responses counted, ', el('b', 'window', z.window_count),
        ' in the current window of ' + fixed(z.window_seconds) + ' s; spike at ' + z.threshold
        + ' (groups ' + z.group_threshold + ' across ' + z.group_paths + ' paths), factor '
        + fixed(z.factor) + '; ' + z.paths + ' of ' + z.capacity + ' paths and '
        + z.groups_tracked + ' of ' + z.group_capacity + ' groups tracked, ' + z.evicted
        + ' paths let go, ' + z.filtered + ' first hits of new paths not admitted.');
    add(sec, p, rate(z));
    incidents(z, sec);
    add(sec, el('h3', '', 'Groups'), table('groups',
        [['kind'], ['group'], ['window', 1], ['paths', 1], ['referers', 1], ['total', 1],
         ['top paths / referers'], ['history']],
        z.groups.map(function (g) {
          var tr = el('tr', rowClass(g));
          cell(tr, g.kind); codeCell(tr, g.key, g.truncated);
          cell(tr, g.window_count, 1); cell(tr, g.paths, 1); cell(tr, g.referers, 1);
          cell(tr, g.total, 1);
          var td = el('td');
          if (g.kind === 'page') list(td, g.top_paths, 'path'); else list(td, g.top_referers, 'referer');
          tr.appendChild(td);
          add(tr, add(el('td'), spark(g.history)));
          return tr;
        })));
    add(sec, el('h3', '', 'Top paths'), bars(z), table('paths',
        [['path'], ['code', 1], ['window', 1], ['total', 1], ['baseline', 1], ['last seen'],
         ['top referers'], ['history']],
        z.top.map(function (q) {
          var tr = el('tr', rowClass(q));
          codeCell(tr, q.path, q.truncated);
          cell(tr, q.code, 1); cell(tr, q.window_count, 1); cell(tr, q.total, 1);
          cell(tr, fixed(q.baseline), 1); cell(tr, q.last_seen || '');
          var td = el('td'); list(td, q.referers, 'referer'); tr.appendChild(td);
          add(tr, add(el('td'), spark(q.history)));
          return tr;
        })));
    var ol = el('ol', 'events');
    z.events.forEach(function (e) {
      add(ol, add(el('li'), el('time', '', e.time), ' ' + e.event + ' ', el('span', 'tag', e.kind),
                  ' ', el('code', '', e.key), ' ' + e.count
                  + (e.event === 'end' ? ' at the peak, after ' + e.length_seconds + ' s' : '')));
    });
    if (!z.events.length) ol.appendChild(el('li', 'none', 'none'));
    add(sec, el('h3', '', 'Spike events'), ol);
    return sec;
  }
  function rules(d) {
    var sec = el('section', 'rules');
    add(sec, el('h2', '', 'Rules'), el('p', '', d.rules_total + ' rules, ' + d.rules_never_hit
        + ' never hit' + (d.hits_since ? ' since ' + d.hits_since : '') + '.'));
    sec.appendChild(table('rules', [['rule'], ['code', 1], ['pattern'], ['hits', 1],
                                    ['first hit'], ['last hit']],
        d.rules.map(function (r) {
          var tr = el('tr');
          cell(tr, r.rule); cell(tr, r.code, 1); codeCell(tr, r.pattern);
          cell(tr, r.hits, 1); cell(tr, r.first_hit || ''); cell(tr, r.last_hit || '');
          return tr;
        })));
    return sec;
  }

  // sorting: the column and direction of each table, kept across refreshes
  var sorted = {};
  function key(table) {
    var sec = table.closest('section'), all = document.querySelectorAll('section');
    return Array.prototype.indexOf.call(all, sec) + '.' + table.className;
  }
  function sortBy(table, col, dir) {
    var th = table.tHead.rows[0].cells[col], num = th.hasAttribute('data-num');
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('data-sorted'); });
    th.setAttribute('data-sorted', dir);
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col], y = b.cells[col];
      var u = num ? Number(x.getAttribute('data-v')) : x.textContent;
      var v = num ? Number(y.getAttribute('data-v')) : y.textContent;
      var c = u < v ? -1 : u > v ? 1 : 0;
      return dir === 'asc' ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function sortable(root) {
    Array.prototype.forEach.call(root.querySelectorAll('table'), function (t) {
      var s = sorted[key(t)];
      if (s) sortBy(t, s.col, s.dir);
      Array.prototype.forEach.call(t.tHead.rows[0].cells, function (th, col) {
        th.addEventListener('click', function () {
          var was = sorted[key(t)], dir = 'desc';
          if (was && was.col === col && was.dir === 'desc') dir = 'asc';
          sorted[key(t)] = {col: col, dir: dir};
          sortBy(t, col, dir);
        });
      });
    });
  }

  var live = document.getElementById('live');
  function draw(d) {
    var main = document.getElementById('report'), next = el('main');
    next.id = 'report';
    d.zones.forEach(function (z) { next.appendChild(zone(z)); });
    next.appendChild(rules(d));
    main.parentNode.replaceChild(next, main);
    sortable(next);
    refreshes++;
    document.getElementById('time').textContent = d.time;
    live.textContent = '(live: every ' + every + ' s)';
    live.setAttribute('data-refreshes', refreshes);
  }
  function refresh() {
    fetch(location.pathname + '?format=json',
          {headers: {Accept: 'application/json'}, cache: 'no-store'})
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(draw)
      .catch(function (e) { live.textContent = '(update failed: ' + e.message + ')'; })
      .then(function () { setTimeout(refresh, every * 1000); });
  }
  live.textContent = '(live: every ' + every + ' s)';
  sortable(document);
  setTimeout(refresh, every * 1000);
})();
)JS";

} // namespace status_policy::report
