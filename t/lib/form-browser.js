// Drive the shipped htdocs/form.html in headless Chromium (t/60-form-browser.t).
// Usage: node form-browser.js BASE_URL UPLOAD_FILE
// Prints one JSON object with what the browser saw.
'use strict';
const { chromium } = require('playwright-core');

async function main() {
	const [base, uploadFile] = process.argv.slice(2);
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-quic', '--no-first-run',
		    '--disable-background-networking',
		    '--disable-component-update', '--disable-sync'],
	});
	const out = {};
	try {
		const page = await browser.newPage();
		await page.goto(base + '/form.html');
		out.formTitle = await page.title();
		await page.fill('#name', 'Ada <Lovelace> & "Co"');
		await page.fill('#email', 'ada@example.org');
		await page.selectOption('#topic', 'idea');
		await page.check('#reply-none');
		await page.fill('#message', 'line one\nline two: 100% ünïcödé');
		await Promise.all([
			page.waitForNavigation(),
			page.click('#echo-submit'),
		]);
		out.echoStatus = (await page.evaluate(() =>
		    performance.getEntriesByType('navigation')[0].responseStatus)) || null;
		out.echoUrl = page.url();
		out.echoTitle = await page.title();
		out.fields = await page.$$eval('#fields tr', (rows) =>
		    rows.slice(1).map((r) => [r.cells[0].textContent,
		    r.cells[1].textContent]));
		out.echoHasScriptTag = (await page.content()).includes('<Lovelace>');

		await page.goto(base + '/form.html');
		await page.setInputFiles('#file', uploadFile);
		await page.fill('#note', 'from chromium');
		await Promise.all([
			page.waitForNavigation(),
			page.click('#upload-submit'),
		]);
		out.uploadTitle = await page.title();
		out.uploadSize = await page.textContent('#files td.size');
		out.uploadSha = await page.textContent('#files td.sha256');
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
	process.stdout.write(JSON.stringify({ error: String(e) }) + '\n');
	process.exit(1);
});
