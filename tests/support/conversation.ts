import type { NewConversation } from '../../bot/conversation-store.js';
import { EMPTY_REFINEMENT } from '../../bot/ports.js';

/** A conversation with every stored field set (frames, refinement state, history, shown picks), for the store tests. */
export const conversation = (over: Partial<NewConversation> = {}): NewConversation => ({
  userId: 'u1',
  channelId: 'c1',
  frameEmbeddings: [new Float32Array([0.25, -1.5, 3e-8]), new Float32Array([1, 2, 3])],
  prompt: 'dreamy lo-fi',
  count: 3,
  state: { ...EMPTY_REFINEMENT, excludeTags: ['drums'], bpm: { max: 100 } },
  history: ['no drums'],
  shown: [{ trackId: 't1', title: 'One', artist: 'A', segmentStart: 30, segmentEnd: 60 }],
  seen: ['t1'],
  ...over,
});
