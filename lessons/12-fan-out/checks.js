// @ts-check
// Fan-out: one upload → one publish → every consumer, each with an idempotent effect.

/**
 * The uploaded photos: key → { camera, width, height }.
 * @param {any} r
 */
function uploads(r) {
  /** @type {Map<string, any>} */
  const out = new Map();
  const bucket = r.sim.buckets.get('uploads');
  for (const rec of r.where('stored', 'uploads')) {
    if (out.has(rec.id) || !String(rec.id).endsWith('.jpg')) continue;
    const obj = bucket.get(rec.id);
    out.set(rec.id, obj ? JSON.parse(obj.body) : {});
  }
  return out;
}

/**
 * Why a function failed, if it did: "<n> failed invocations (first: <error>)".
 * @param {any} r
 * @param {string} fn
 */
function failures(r, fn) {
  const failed = r.where('failed', fn);
  if (!failed.length) return '';
  return `${fn} failed ${failed.length} times (first: ${String(failed[0].detail?.error ?? 'unknown error')})`;
}

/**
 * Does `text` name the upload `key` ('photos/7.jpg' → 'photos/7' not followed by a digit)?
 * @param {string} text
 * @param {string} key
 */
function names(text, key) {
  const stem = key.replace(/\.jpg$/, '');
  const at = text.indexOf(stem);
  return at >= 0 && !/\d/.test(text.charAt(at + stem.length));
}

/**
 * The photo each message of the fan-out is about, from the trace alone (whatever the publisher put
 * in its body): queue message → the publish that made it → the publisher invocation → the upload
 * that invoked it ("uploads/photos/7.jpg"). Messages the trace cannot follow back fall back on the
 * photo keys their body mentions.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string} queue
 * @param {Set<string>} photoKeys
 * @returns {Map<string, Set<string>>} message id → photo keys
 */
function photosOfMessages(r, queue, photoKeys) {
  /** @type {Map<string, string>} publisher invocation → photo */
  const ofInvocation = new Map();
  for (const inv of r.invocations('publisher')) {
    const key = String(inv.cause ?? '').replace(/^uploads\//, '');
    if (photoKeys.has(key)) ofInvocation.set(inv.id, key);
  }
  /** @type {Map<string, string>} publish id → photo */
  const ofPublish = new Map();
  for (const p of r.published('photo-uploaded')) {
    const key = p.cause === undefined ? undefined : ofInvocation.get(p.cause);
    if (key) ofPublish.set(p.id, key);
  }
  /** @type {Map<string, Set<string>>} */
  const inMessage = new Map();
  for (const m of r.sent(queue)) {
    const traced = m.cause === undefined ? undefined : ofPublish.get(m.cause);
    const found = new Set(traced ? [traced] : []);
    if (!traced) for (const key of photoKeys) if (names(m.body, key)) found.add(key);
    inMessage.set(m.id, found);
  }
  return inMessage;
}

/**
 * The photos each invocation of a consumer was handed: invocation → its batch's message ids → their photos.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string} fn
 * @param {string} queue
 * @param {Set<string>} photoKeys
 */
function photosPerInvocation(r, fn, queue, photoKeys) {
  const inMessage = photosOfMessages(r, queue, photoKeys);
  /** @type {Map<string, Set<string>>} */
  const out = new Map();
  for (const inv of r.invocations(fn)) {
    const photos = new Set();
    for (const id of String(inv.cause ?? '').split(',')) for (const k of inMessage.get(id) ?? []) photos.add(k);
    out.set(inv.id, photos);
  }
  return out;
}

/** Digit runs of a text, as numbers ('thumbs/160x120/7.jpg' → 160, 120, 7). @param {string} text */
const numbersOf = (text) => (text.match(/\d+/g) ?? []).map(Number);

/** The photo's number ('photos/7.jpg' → 7). @param {string} key */
const photoNumber = (key) => Number(/(\d+)\.jpg$/.exec(key)?.[1]);

/**
 * Which photo an output object is for: the one it names ('photos/7…'), else the one photo of the
 * invocation that wrote it, else the photo of that invocation whose number the key carries
 * ('thumbs/7.jpg'). Any naming works as long as it is one object per photo.
 * @param {string} objectKey
 * @param {Set<string>} candidates photos of the writing invocation
 * @param {string[]} allPhotos
 */
function photoOf(objectKey, candidates, allPhotos) {
  const named = allPhotos.filter((k) => names(objectKey, k));
  if (named.length === 1) return named[0];
  if (candidates.size === 1) return [...candidates][0];
  const nums = new Set(numbersOf(objectKey));
  const byNumber = [...candidates].filter((k) => nums.has(photoNumber(k)));
  return byNumber.length === 1 ? byNumber[0] : undefined;
}

/**
 * ". Each SQS body is the SNS envelope …" when the consumer's failures look like it read the body
 * wrongly: it asked for no existing photo, or its error is about JSON or an undefined field.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string} fn
 * @param {string[]} photoKeys
 */
function envelopeNote(r, fn, photoKeys) {
  const failed = r.invocations(fn).filter((i) => i.outcome === 'failed');
  const failedIds = new Set(failed.map((i) => i.id));
  const keys = new Set(photoKeys);
  const askedForPhoto = r.where('call', fn).some((c) => failedIds.has(String(c.id)) && c.detail?.target === 'uploads' && keys.has(String(c.detail?.key)));
  const bodyError = failed.some((i) => /JSON|undefined|null|not valid|Unexpected token/i.test(String(i.error)));
  return !askedForPhoto && bodyError ? '. Each SQS body is the SNS envelope; your message is the JSON string in its "Message" field' : '';
}

/**
 * One object per upload in `bucketName`?
 * @param {any} r
 * @param {string} bucketName
 * @param {string} fn
 * @param {string} what
 */
function onePerUpload(r, bucketName, fn, what) {
  const ups = uploads(r);
  const photoKeys = [...ups.keys()];
  const queue = { 'make-thumbnail': 'thumbnail-jobs', 'extract-metadata': 'metadata-jobs' }[fn] ?? '';
  const perInvocation = photosPerInvocation(r, fn, queue, new Set(photoKeys));
  /** @type {Map<string, string | undefined>} object key → the photo it is for */
  const forPhoto = new Map();
  for (const rec of r.where('stored', bucketName)) {
    const candidates = perInvocation.get(String(rec.cause)) ?? new Set();
    const photo = photoOf(String(rec.id), candidates, photoKeys);
    if (!forPhoto.has(String(rec.id)) || photo !== undefined) forPhoto.set(String(rec.id), photo);
  }
  const keys = r.sim.buckets.get(bucketName).list().map((/** @type {any} */ o) => o.key);
  const covered = new Set(keys.map((/** @type {string} */ k) => forPhoto.get(k) ?? photoKeys.find((p) => names(k, p))).filter(Boolean));
  const missing = photoKeys.filter((k) => !covered.has(k));
  const extra = keys.length - (ups.size - missing.length);
  const pass = ups.size > 0 && missing.length === 0 && extra === 0;
  const why = failures(r, fn);
  return {
    pass,
    expected: `exactly one ${what} in ${bucketName} per uploaded photo (${ups.size})`,
    actual: `${keys.length} objects; ${missing.length} photos without one${why ? `; ${why}` : ''}`,
    message: pass
      ? `Every photo has exactly one ${what}.`
      : missing.length
        ? `${missing.length} of ${ups.size} photos ${missing.length === 1 ? 'has' : 'have'} no ${what}${why ? `: ${why}${envelopeNote(r, fn, photoKeys)}` : unpublishedNote(r, missing)}.`
        : `${extra} extra objects in ${bucketName}: a duplicate delivery made a second ${what}. Name the object after the photo, so a redelivery overwrites it.`,
  };
}

/**
 * Why save-photo's rows lack the photo's values, from its calls: it read extract-metadata's sidecars
 * (before they existed), it never read the photo, or it read it and wrote other values.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function metadataCause(r) {
  const calls = r.where('call', 'save-photo');
  const sidecarReads = calls.filter((c) => c.detail?.target === 'photo-metadata');
  if (sidecarReads.length) {
    const stored = new Map();
    for (const rec of r.where('stored', 'photo-metadata')) if (!stored.has(rec.id)) stored.set(rec.id, rec.t);
    const early = sidecarReads.filter((c) => !(stored.get(String(c.detail?.key)) <= c.t)).length;
    return `save-photo read extract-metadata's sidecars ${sidecarReads.length} times, ${early} of them before that sidecar existed: the three consumers run in parallel and in no particular order. A fan-out consumer must get what it needs from the event or the photo itself.`;
  }
  const photoReads = calls.filter((c) => c.detail?.target === 'uploads');
  if (!photoReads.length) {
    const published = r.published('photo-uploaded')[0];
    const carries = published?.value && typeof published.value === 'object' && ['camera', 'width', 'height'].every((f) => f in /** @type {object} */ (published.value));
    return carries
      ? "save-photo never read the photo (no getObject on uploads) and did not copy the message's camera, width and height into the row as they are."
      : `save-photo never read the photo (no getObject on uploads), and the message it gets carries no camera/width/height (e.g. ${published ? published.body.slice(0, 120) : 'nothing published'}). Read the photo from uploads.`;
  }
  return `save-photo read the photos (${photoReads.length} getObject calls on uploads) but wrote other values: copy camera, width and height as the photo has them (numbers stay numbers).`;
}

/**
 * " — photos/7.jpg was never published (…)" when the photos lack output because the publisher did not publish them.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string[]} photos
 */
function unpublishedNote(r, photos) {
  const publishedFor = new Set(r.published('photo-uploaded').map((p) => r.invocations('publisher').find((i) => i.id === p.cause)?.cause));
  const never = photos.filter((k) => !publishedFor.has(`uploads/${k}`));
  if (!never.length) return '';
  const pending = r.where('call-pending', 'publisher').length + r.where('call-abandoned', 'publisher').length;
  const which = never.length === photos.length ? (photos.length === 1 ? `${never[0]} was never` : 'none of them was') : `${never.length} of them (e.g. ${never[0]}) were never`;
  return `: ${which} published${pending ? ' (the publisher returned before its publish call completed: see one-publish-per-upload)' : ''}`;
}

/**
 * Publish calls the publisher did not await: how many, at which line, how many never happened.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function unawaitedPublishes(r) {
  const pending = r.where('call-pending', 'publisher').filter((x) => x.detail?.call === 'publish');
  if (!pending.length) return '';
  const done = new Set(r.where('call-done', 'publisher').map((x) => `${x.detail?.env}#${x.detail?.callId}`));
  const never = pending.filter((x) => !done.has(`${x.detail?.env}#${x.detail?.callId}`)).length;
  const at = /** @type {any} */ (pending[0].detail?.location);
  return ` ${pending.length} publish calls were not awaited${at ? ` (line ${at.line})` : ''}: the publisher returned while each was in flight, so it froze with its environment and went on only when the environment was used again; ${never} never happened. Await the publish.`;
}

module.exports = [
  {
    id: 'one-publish-per-upload',
    title: 'Each upload is published once',
    hint: 'The topic copies each message to every subscription. How many times should the publisher publish?',
    section: 'pattern-fan-out',
    run(r) {
      const n = uploads(r).size;
      const published = r.count('published', 'photo-uploaded');
      const why = failures(r, 'publisher');
      const pass = n > 0 && published === n;
      return {
        pass,
        expected: `${n} publishes to photo-uploaded (one per upload)`,
        actual: `${published} publishes${why ? `; ${why}` : ''}`,
        message: pass
          ? 'One publish per upload; the topic does the copying.'
          : published > n
            ? `${published} publishes for ${n} uploads: every subscriber received each upload ${+(published / n).toFixed(1)} times. The topic already delivers one copy to EACH subscription; publishing once per consumer multiplies the work (and the bill) by the number of consumers.`
            : `Only ${published} of ${n} uploads were published${why ? ` (${why})` : ''}: the consumers never heard of the others.${unawaitedPublishes(r)}`,
      };
    },
  },
  {
    id: 'thumbnails',
    title: 'Every photo gets exactly one thumbnail',
    hint: 'make-thumbnail reads the photo named in the message and writes one object to the thumbnails bucket, named after the photo.',
    section: 'three-rules-for-fan-out-consumers',
    run: (r) => onePerUpload(r, 'thumbnails', 'make-thumbnail', 'thumbnail'),
  },
  {
    id: 'metadata',
    title: 'Every photo gets exactly one metadata sidecar',
    hint: 'extract-metadata writes one JSON object per photo to photo-metadata, named after the photo.',
    section: 'three-rules-for-fan-out-consumers',
    run: (r) => onePerUpload(r, 'photo-metadata', 'extract-metadata', 'metadata sidecar'),
  },
  {
    id: 'database-rows',
    title: 'One database row per photo, with its metadata',
    hint: 'Key the row by the photo, not by the message. And the consumers run in parallel: read what the row needs from the photo itself.',
    section: 'three-rules-for-fan-out-consumers',
    run(r) {
      const ups = uploads(r);
      const photoKeys = [...ups.keys()];
      const why = failures(r, 'save-photo');
      // Which photo each row is for: the photo its key names, or the photo of the message whose
      // invocation wrote it (any key layout: "photos/7.jpg", "7", "photo#photos/7.jpg", …).
      const perInvocation = photosPerInvocation(r, 'save-photo', 'database-jobs', new Set(photoKeys));
      /** @type {Map<string, string | undefined>} row key → photo */
      const forRow = new Map();
      for (const rec of r.where('written', 'photos')) {
        const photo = photoOf(String(rec.id), perInvocation.get(String(rec.cause)) ?? new Set(), photoKeys);
        if (!forRow.has(String(rec.id)) || photo !== undefined) forRow.set(String(rec.id), photo);
      }
      const rows = r.table('photos');
      /** @type {Map<string, any[]>} photo → its rows */
      const rowsOf = new Map();
      let strays = 0;
      for (const row of rows) {
        const photo = forRow.get(String(row.key)) ?? photoKeys.find((p) => Object.values(row).some((v) => typeof v === 'string' && names(v, p)));
        if (photo === undefined) strays++;
        else rowsOf.set(photo, [...(rowsOf.get(photo) ?? []), row]);
      }
      const missing = photoKeys.filter((k) => !rowsOf.has(k));
      const noMeta = photoKeys.filter((k) => {
        const photo = ups.get(k);
        return (rowsOf.get(k) ?? []).some((row) => row.camera !== photo.camera || row.width !== photo.width || row.height !== photo.height);
      });
      const extra = strays + [...rowsOf.values()].reduce((n, list) => n + list.length - 1, 0);
      const pass = ups.size > 0 && missing.length === 0 && noMeta.length === 0 && extra === 0;
      const show = (/** @type {unknown} */ v) => (v === undefined ? 'missing' : JSON.stringify(v));
      let example = '';
      if (noMeta.length) {
        const photo = ups.get(noMeta[0]);
        const row = /** @type {any[]} */ (rowsOf.get(noMeta[0])).find((x) => x.camera !== photo.camera || x.width !== photo.width || x.height !== photo.height);
        example = `row ${show(row.key)} has camera ${show(row.camera)}, width ${show(row.width)}, height ${show(row.height)}; the photo ${noMeta[0]} has camera ${show(photo.camera)}, width ${show(photo.width)}, height ${show(photo.height)}`;
      }
      const parts = [`${rows.length} rows for ${ups.size} photos`];
      if (missing.length) parts.push(`${missing.length} photos without a row`);
      if (noMeta.length) parts.push(`${noMeta.length} photos whose row lacks the right camera/width/height (e.g. ${example})`);
      if (why) parts.push(why);
      return {
        pass,
        expected: `${ups.size} rows in photos, one per photo, each with the photo's camera, width and height`,
        actual: parts.join('; '),
        message: pass
          ? 'Every photo has one row with its metadata.'
          : noMeta.length
            ? `${noMeta.length} rows lack the photo's metadata: ${example}. ${metadataCause(r)}`
            : missing.length
              ? `${missing.length} ${missing.length === 1 ? 'photo has' : 'photos have'} no row${why ? `: ${why}${envelopeNote(r, 'save-photo', photoKeys)}` : unpublishedNote(r, missing)}.`
              : `${extra} extra rows: duplicate deliveries added rows. The topic delivers at least once; key the row by the photo's key so a redelivery overwrites the same row.`,
      };
    },
  },
  {
    id: 'consumers-independent',
    title: 'Each consumer does its own job, from the upload alone',
    hint: 'A fan-out consumer reads the photo from uploads and writes only its own output: not another consumer\'s bucket or table, and never waits for one.',
    section: 'three-rules-for-fan-out-consumers',
    run(r) {
      /** What each consumer owns. */
      const OWN = { 'make-thumbnail': 'thumbnails', 'extract-metadata': 'photo-metadata', 'save-photo': 'photos' };
      const OUTPUTS = new Set(Object.values(OWN));
      const calls = r.sim.topology().edges.filter((/** @type {any} */ e) => e.kind === 'calls' && e.from in OWN);
      const WRITES = new Set(['putObject', 'tablePut']);
      const others = calls.filter((/** @type {any} */ e) => OUTPUTS.has(e.to) && e.to !== /** @type {Record<string, string>} */ (OWN)[e.from]);
      const doing = others.filter((/** @type {any} */ e) => WRITES.has(e.label));
      const waiting = others.filter((/** @type {any} */ e) => !WRITES.has(e.label));
      const pass = calls.length > 0 && others.length === 0;
      const ownerOf = (/** @type {string} */ res) => Object.entries(OWN).find(([, o]) => o === res)?.[0];
      const d = doing[0];
      const w = waiting[0];
      return {
        pass,
        expected: "make-thumbnail writes only thumbnails, extract-metadata only photo-metadata, save-photo only photos; none reads another's output",
        actual: others.length ? others.map((/** @type {any} */ e) => `${e.from} ${e.label} ${e.to}`).join(', ') : calls.map((/** @type {any} */ e) => `${e.from} ${e.label} ${e.to}`).join(', ') || 'no calls',
        message: pass
          ? 'Three independent consumers, each with its own output.'
          : d
            ? `${d.from} did ${ownerOf(d.to)}'s job: it called ${d.label} on ${d.to}. With fan-out every consumer gets its own copy of the event; doing another's work couples them (two writers for one output, and a failure in one breaks the other).`
            : w
              ? `${w.from} read ${ownerOf(w.to)}'s output (${w.label} on ${w.to}): it depends on ${ownerOf(w.to)} having run first, but fan-out consumers run in parallel and in no order. Get what you need from the event or the photo in uploads.`
              : 'The consumers made no calls.',
      };
    },
  },
  {
    id: 'nothing-lost',
    title: 'Nothing is lost or dead-lettered',
    hint: 'A consumer that throws gets its message back, up to 5 times, then it goes to fan-out-dlq.',
    section: 'three-rules-for-fan-out-consumers',
    run(r) {
      const dlq = r.summary.queues['fan-out-dlq'];
      const held = ['thumbnail-jobs', 'metadata-jobs', 'database-jobs'].reduce((n, q) => n + r.summary.queues[q].visible + r.summary.queues[q].inFlight, 0);
      const pass = r.summary.lost === 0 && dlq.sent === 0 && held === 0;
      return {
        pass,
        expected: 'lost 0, nothing in fan-out-dlq, the queues empty at the end',
        actual: `lost ${r.summary.lost}, ${dlq.sent} dead-lettered, ${held} still queued`,
        message: pass
          ? 'Every job was done.'
          : r.summary.lost
            ? `${r.summary.lost} messages were lost.`
            : `${[dlq.sent ? `${dlq.sent} jobs ended in the dead-letter queue` : '', held ? `${held} jobs are still queued, coming back after each 30 s visibility timeout` : ''].filter(Boolean).join(' and ')}: a consumer keeps failing on them.`,
      };
    },
  },
];
