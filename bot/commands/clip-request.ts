import type { ChatInputCommandInteraction, MessageContextMenuCommandInteraction } from 'discord.js';
import type { RequestContext } from '../command.js';
import { checkClipContent, SNIFF_BYTES } from '../../core/media/clip-rules.js';
import { checkAttachment, downloadAttachment, type AttachmentRef } from '../attachment.js';
import { publishPicks, takeCooldown, underLimit } from '../respond.js';

export interface ClipRequest {
  readonly attachment: AttachmentRef | null | undefined;
  readonly prompt?: string | null;
  readonly count?: number | null;
}

/**
 * The shared path of `/music` and "Find music": validate fast (ephemeral refusals), defer within the
 * 3-second deadline, download at once (the CDN link expires), analyse and recommend under the global
 * limit, then publish the picks with a thread.
 */
export async function answerClip(interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction, request: ClipRequest, ctx: RequestContext): Promise<void> {
  const prompt = ctx.flow.checkText(request.prompt);
  const uploadLimit = interaction.attachmentSizeLimit > 0 ? interaction.attachmentSizeLimit : Number.POSITIVE_INFINITY;
  const maxBytes = Math.min(ctx.limits.maxClipBytes, uploadLimit);
  const attachment = checkAttachment(request.attachment, maxBytes);
  await takeCooldown(ctx, interaction.user.id);
  await interaction.deferReply();
  const signal = AbortSignal.timeout(ctx.limits.requestTimeoutMs);
  const video = await downloadAttachment(attachment, { maxBytes, timeoutMs: ctx.limits.downloadTimeoutMs }, signal);
  checkClipContent(video.subarray(0, SNIFF_BYTES), attachment.name);
  ctx.log.info({ bytes: video.byteLength, name: attachment.name }, 'clip downloaded');
  const view = await underLimit(interaction, ctx, signal, async () => {
    const features = await ctx.analyser.analyse(video, signal);
    return ctx.flow.start(
      {
        userId: interaction.user.id,
        channelId: interaction.channelId,
        features,
        ...(prompt ? { prompt } : {}),
        ...(request.count ? { count: request.count } : {}),
      },
      signal,
    );
  });
  ctx.log.info({ picks: view.result.picks.length, key: view.conversation.key }, 'picks ready');
  await publishPicks(interaction, view, ctx);
}
