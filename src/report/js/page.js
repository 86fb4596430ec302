/* page.js -- report.html: sortable tables, search across flamegraphs, self-test */
(function () {
	var errs = [];
	window.addEventListener('error', function (e) {
		errs.push(String(e.message));
		var el = document.getElementById('jserrors');
		if (el) el.textContent = 'script errors: ' + errs.join('; ');
	});
	function flames() {
		var v = document.querySelectorAll('svg.hsflame'), out = [], i;
		for (i = 0; i < v.length; i++) out.push(v[i]);
		return out;
	}
	function sortable(tbl) {
		var ths = tbl.querySelectorAll('th');
		Array.prototype.forEach.call(ths, function (th, col) {
			th.addEventListener('click', function () {
				var body = tbl.tBodies[0], rows = Array.prototype.slice.call(body.rows);
				var desc = th.getAttribute('data-dir') !== 'desc';
				rows.sort(function (a, b) {
					var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');
					var r = x !== null ? (+x) - (+y) : a.cells[col].textContent.localeCompare(b.cells[col].textContent);
					return desc ? -r : r;
				});
				rows.forEach(function (r) { body.appendChild(r); });
				Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('data-dir'); });
				th.setAttribute('data-dir', desc ? 'desc' : 'asc');
			});
		});
	}
	function searchAll(term) {
		var res = [];
		flames().forEach(function (svg) {
			var f = hsFlame(svg);
			if (f) res.push((svg.id || '?') + ' ' + f.search(term).toFixed(1) + '%');
		});
		return res;
	}
	function start() {
		flames().forEach(function (svg) { hsFlame(svg); });
		Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), sortable);
		var box = document.getElementById('search');
		if (box) box.addEventListener('input', function () { searchAll(box.value); });
		var m = /#selftest=([^&]*)/.exec(location.hash);
		if (m) {
			var term = decodeURIComponent(m[1]);
			var res = searchAll(term);
			var st = document.getElementById('selftest');
			/* spawn-phase segments the browser laid out, each with its tooltip */
			var segs = 0;
			Array.prototype.forEach.call(document.querySelectorAll('svg.stacked rect.seg'), function (r) {
				var t = r.querySelector('title');
				if (r.getBoundingClientRect().width >= 1 && t && /p90|mean/.test(t.textContent)) segs++;
			});
			st.textContent = 'selftest ' + term + ': ' + res.join(', ') + ' phases=' + segs + ' errors=' + errs.length + ' done';
		}
	}
	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
	else start();
})();
