/* flame.js -- hubspy flamegraph: hover details, click to zoom, search */
function hsFlame(svg) {
	var fr = svg.querySelector('.hsframes');
	if (!fr || svg.hsFlame) return svg.hsFlame;
	var details = svg.querySelector('.hsdetails'), matched = svg.querySelector('.hsmatched');
	var unzoom = svg.querySelector('.hsunzoom'), sbtn = svg.querySelector('.hssearch');
	var total = +fr.getAttribute('total_samples') || 1, W = +fr.getAttribute('width') || 1180;
	var items = [], gs = fr.getElementsByTagName('g'), i;
	for (i = 0; i < gs.length; i++) {
		var g = gs[i], r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];
		var ti = g.getElementsByTagName('title')[0].textContent;
		var o = { g: g, r: r, t: t, title: ti, x: +r.getAttribute('fg:x'), w: +r.getAttribute('fg:w'),
			y: +r.getAttribute('y'), fill: r.getAttribute('fill'),
			label: ti.replace(/ \([0-9,]+ samples?, [0-9.]+%\)(\n.*)*$/, '') };
		g.hsItem = o;
		items.push(o);
	}
	function place(o, x, w) {
		o.r.setAttribute('x', x.toFixed(4) + '%');
		o.r.setAttribute('width', w.toFixed(4) + '%');
		o.t.setAttribute('x', (x + 0.25).toFixed(4) + '%');
		var n = Math.floor(w / 100 * W / 7.08);
		o.t.textContent = n < 3 ? '' : (o.label.length <= n ? o.label : o.label.substring(0, n - 2) + '..');
		o.g.style.display = '';
	}
	function zoom(z) {
		items.forEach(function (o) {
			if (o.y < z.y) {
				if (o.x <= z.x && o.x + o.w >= z.x + z.w) place(o, 0, 100);
				else o.g.style.display = 'none';
			} else if (o.x >= z.x && o.x + o.w <= z.x + z.w) {
				place(o, (o.x - z.x) / z.w * 100, o.w / z.w * 100);
			} else o.g.style.display = 'none';
		});
		if (unzoom) unzoom.style.opacity = '1';
	}
	function reset() {
		items.forEach(function (o) { place(o, o.x / total * 100, o.w / total * 100); });
		if (unzoom) unzoom.style.opacity = '0';
	}
	function search(term) {
		var re = null, hits = [], sum = 0, end = -1;
		if (term) {
			try { re = new RegExp(term); } catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); }
		}
		items.forEach(function (o) {
			if (re && re.test(o.label)) { o.r.setAttribute('fill', 'rgb(230,0,230)'); hits.push(o); }
			else o.r.setAttribute('fill', o.fill);
		});
		hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
		hits.forEach(function (o) { if (o.x >= end) { sum += o.w; end = o.x + o.w; } });
		var pct = re ? 100 * sum / total : 0;
		if (matched) matched.textContent = re ? 'Matched: ' + pct.toFixed(1) + '%' : ' ';
		if (sbtn) sbtn.textContent = re ? 'Reset Search' : 'Search';
		svg.hsTerm = re ? term : '';
		return pct;
	}
	fr.addEventListener('mouseover', function (e) {
		var g = e.target.closest ? e.target.closest('g') : null;
		if (g && g.hsItem && details) details.textContent = g.hsItem.title.replace(/\n/g, ' ');
	});
	fr.addEventListener('mouseout', function () { if (details) details.textContent = ' '; });
	fr.addEventListener('click', function (e) {
		var g = e.target.closest ? e.target.closest('g') : null;
		if (g && g.hsItem) zoom(g.hsItem);
	});
	if (unzoom) unzoom.addEventListener('click', reset);
	if (sbtn) sbtn.addEventListener('click', function () {
		if (svg.hsTerm) { search(''); return; }
		var t = window.prompt('Search for (regular expression):', '');
		if (t) search(t);
	});
	svg.hsFlame = { search: search, zoom: zoom, reset: reset, items: items };
	return svg.hsFlame;
}
function hsFlameInit(evt) { hsFlame(evt.target.ownerDocument ? evt.target.ownerDocument.documentElement : evt.target); }
