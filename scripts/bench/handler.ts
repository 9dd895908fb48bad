/** A handler using the whole runtime module: the worst case for bundle size. */
import {
  eventBridgeEventContext, injectEventBridgeEntry, injectSnsMessage, injectSqsMessage, processSqsBatch, snsRecordContext, SqsRecordLike,
} from '../../src/runtime';

export async function handler(event: { Records: SqsRecordLike[] }) {
  return processSqsBatch(event, async (record, scope) => {
    const next = injectSqsMessage({ MessageBody: record.body }, scope.producer);
    const published = injectSnsMessage({ MessageAttributes: {} }, scope.producer);
    const entry = injectEventBridgeEntry({ Detail: record.body }, scope.producer);
    return [next, published, entry, snsRecordContext(undefined), eventBridgeEventContext(record)];
  });
}
