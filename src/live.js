/*
 * hearth live reload.  hearthd serves this from memory at
 * /.hearth/live.js and puts a <script> tag for it into HTML responses
 * (src/inject.c).  Each event from /.hearth/live names a changed path
 * under the document root, URL-like ("/css/site.css").  A stylesheet is
 * swapped in place so the page keeps its state; anything else reloads.
 */
(function () {
	'use strict';

	var RETRY_MS = 2000;	/* after the server refused the stream */

	if (!window.EventSource || window.hearthLive)
		return;
	window.hearthLive = true;

	/* The new <link> loads before the old goes, so nothing flickers. */
	function swap(link) {
		var url = new URL(link.href), copy = link.cloneNode(false);

		url.searchParams.set('hearth-live', String(Date.now()));
		copy.href = url.href;
		copy.onload = copy.onerror = function () {
			if (link.parentNode)
				link.parentNode.removeChild(link);
		};
		link.parentNode.insertBefore(copy, link.nextSibling);
	}

	function path(href) {
		try {
			return decodeURIComponent(new URL(href).pathname);
		} catch (e) {
			return null;
		}
	}

	/*
	 * Swap the links to the changed file.  When none links to it, it
	 * may be @import-ed or mapped by a path prefix, so swap every
	 * same-origin stylesheet rather than reload.
	 */
	function css(changed) {
		var all = document.querySelectorAll('link[rel~=stylesheet i]');
		var mine = [], same = [], i;

		for (i = 0; i < all.length; i++) {
			if (!all[i].href ||
			    new URL(all[i].href).origin !== location.origin)
				continue;
			same.push(all[i]);
			if (path(all[i].href) === changed)
				mine.push(all[i]);
		}
		(mine.length ? mine : same).forEach(swap);
	}

	function connect() {
		var es = new EventSource('/.hearth/live');

		es.onmessage = function (ev) {
			var changed = ev.data;

			if (/\.css$/i.test(changed))
				css(changed);
			else
				location.reload();
		};
		/*
		 * A dropped connection (a server restart) is retried by the
		 * browser itself, every "retry:" ms.  An HTTP error answer
		 * closes the stream for good, so start a new one.
		 */
		es.onerror = function () {
			if (es.readyState === EventSource.CLOSED) {
				es.close();
				setTimeout(connect, RETRY_MS);
			}
		};
	}

	connect();
}());
