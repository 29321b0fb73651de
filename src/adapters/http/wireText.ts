import { Job, PageJob } from '../../domain/dto.js';

// Frozen jobs are the read models' shared ones (memory read model, the SQLite store's decoded states): the
// same object is handed out until the job changes, so its wire text is computed once per object.
const texts = new WeakMap<Job, string>();

/**
 * `Job.toJson(job)`, computed once per frozen job object: a read model that hands out the same frozen object
 * for an unchanged job (see `decodedStates`) makes a repeated `GET /jobs/{id}` one lookup instead of an
 * encoding. A job that is not frozen (a command's answer) is encoded every time.
 *
 * @example
 * reply.type(jsonType).send(jobJsonText(job)); // the same text as JSON.stringify(Job.toDict(job))
 */
export const jobJsonText = (job: Job): string => {
  if (!Object.isFrozen(job)) return Job.toJson(job);
  let text = texts.get(job);
  if (text === undefined) {
    text = Job.toJson(job);
    texts.set(job, text);
  }
  return text;
};

const itemsKey = '"items":[]';

/**
 * `PageJob.toJson(page)`, with each item's text from {@link jobJsonText}: the page without its items is
 * encoded, and the items' texts are put in its empty array. JSON writes a nested object exactly as it writes
 * it alone, so the text is the same; and `"items":[]` outside a string can only be the key itself (a quote
 * inside a string is escaped).
 */
export const pageJobJsonText = (page: PageJob): string => {
  const frame = PageJob.toJson({ ...page, items: [] });
  const at = frame.indexOf(itemsKey);
  if (at < 0 || page.items.length === 0) return at < 0 ? PageJob.toJson(page) : frame;
  const head = frame.slice(0, at + itemsKey.length - 1);
  const tail = frame.slice(at + itemsKey.length - 1);
  return `${head}${page.items.map(jobJsonText).join(',')}${tail}`;
};

/** The content type of JSON answers, as fastify writes it for an object. */
export const jsonType = 'application/json; charset=utf-8';
