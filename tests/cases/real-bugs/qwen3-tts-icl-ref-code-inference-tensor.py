# case: qwen3-tts-icl-ref-code-inference-tensor
# source: https://github.com/andimarafioti/faster-qwen3-tts/pull/37
# expect: markers
# torch: raises "Inference tensors cannot be saved for backward"
# known-miss: the codes are made under `inference_mode` by a method of another object, kept in a dict cache attribute, and read back by a later call; the analysis does not carry such a cache's contents from one call to the next

# faster_qwen3_tts/model.py (FasterQwen3TTS._prepare_generation / _build_talker_inputs_local) on top of the
# qwen_tts model (create_voice_clone_prompt and generate_speaker_prompt are @torch.inference_mode(),
# generate_icl_prompt embeds the reference codec codes), reduced to toy sizes: 4 codec groups, 16-dim talker, a
# fake speech tokenizer / speaker encoder. ICL voice cloning (xvec_only=False): `ref_code` is produced under
# inference mode, cached in self._voice_prompt_cache, and later handed to generate_icl_prompt, where
# nn.Embedding (weights require grad, grad mode on) must save the indices for backward -> error. The trailing
# backward through the prefill logits only stands in for "anything that differentiates the prompt".
import torch
import torch.nn as nn


class Talker(nn.Module):
    def __init__(self, hidden=16, vocab=40, text_vocab=50, num_code_groups=4):
        super().__init__()
        self.codec_embedding = nn.Embedding(vocab, hidden)
        self.text_embedding = nn.Embedding(text_vocab, hidden)
        self.text_projection = nn.Linear(hidden, hidden)
        self.code_predictor = nn.Module()
        self.code_predictor.codec_embedding = nn.ModuleList(
            [nn.Embedding(vocab, hidden) for _ in range(num_code_groups - 1)])
        self.codec_head = nn.Linear(hidden, vocab)
        self.num_code_groups = num_code_groups

    @property
    def device(self):
        return self.codec_embedding.weight.device

    def get_input_embeddings(self):
        return self.codec_embedding

    def get_text_embeddings(self):
        return self.text_embedding


class Qwen3TTSForConditionalGeneration(nn.Module):
    def __init__(self):
        super().__init__()
        self.talker = Talker()
        self.codec_bos_id, self.codec_pad_id = 1, 2

    @torch.inference_mode()
    def generate_speaker_prompt(self, voice_clone_prompt):
        return [e.to(self.talker.device) for e in voice_clone_prompt["ref_spk_embedding"]]

    def generate_icl_prompt(self, text_id, ref_id, ref_code, tts_pad_embed, tts_eos_embed):
        text_embed = self.talker.text_projection(
            self.talker.get_text_embeddings()(torch.cat([ref_id, text_id], dim=-1)))
        text_embed = torch.cat([text_embed, tts_eos_embed], dim=1)
        codec_embed = []
        for i in range(self.talker.num_code_groups):
            if i == 0:
                codec_embed.append(self.talker.get_input_embeddings()(ref_code[:, :1]))
            else:
                codec_embed.append(self.talker.code_predictor.codec_embedding[i - 1](ref_code[:, i:i + 1]))
        codec_embed = torch.cat(codec_embed, dim=1).sum(1).unsqueeze(0)
        bos = self.talker.get_input_embeddings()(torch.tensor([[self.codec_bos_id]], device=self.talker.device))
        codec_embed = torch.cat([bos, codec_embed], dim=1)
        n = min(text_embed.shape[1], codec_embed.shape[1])
        icl_input_embed = text_embed[:, :n] + codec_embed[:, :n]
        trailing_text_hidden = tts_pad_embed
        return icl_input_embed, trailing_text_hidden


class Qwen3TTSModel:
    """stand-in for qwen_tts.Qwen3TTSModel (speech tokenizer + speaker encoder are fakes)"""

    def __init__(self):
        self.model = Qwen3TTSForConditionalGeneration()

    def _tokenize_texts(self, texts):
        return [torch.tensor([[3 + (ord(c) % 40) for c in t]]) for t in texts]

    @torch.inference_mode()
    def create_voice_clone_prompt(self, ref_audio, ref_text):
        frames = ref_audio.unfold(0, 40, 40)                      # "speech tokenizer"
        ref_code = (frames.abs().mul(97).long() % 40)[:, :self.model.talker.num_code_groups]
        spk = frames.mean(0)[:16]                                 # "speaker encoder"
        return dict(ref_code=[ref_code], ref_spk_embedding=[spk], x_vector_only_mode=[False],
                    icl_mode=[True], ref_text=[ref_text])


class FasterQwen3TTS:
    def __init__(self, base_model):
        self.model = base_model
        self._voice_prompt_cache = {}

    def _prepare_generation(self, text, ref_audio, ref_text):
        input_ids = self.model._tokenize_texts([text])
        cache_key = (id(ref_audio), ref_text, False)
        if cache_key in self._voice_prompt_cache:
            vcp, ref_ids = self._voice_prompt_cache[cache_key]
        else:
            vcp = self.model.create_voice_clone_prompt(ref_audio=ref_audio, ref_text=ref_text)
            ref_ids = self.model._tokenize_texts([ref_text])
            self._voice_prompt_cache[cache_key] = (vcp, ref_ids)
        m = self.model.model
        tie = self._build_talker_inputs_local(m=m, input_ids=input_ids, ref_ids=ref_ids, voice_clone_prompt=vcp)
        return m, tie

    def _build_talker_inputs_local(self, m, input_ids, ref_ids, voice_clone_prompt):
        voice_clone_spk_embeds = m.generate_speaker_prompt(voice_clone_prompt)
        talker_input_embeds = []
        for index, input_id in enumerate(input_ids):
            speaker_embed = voice_clone_spk_embeds[index]
            tts_bos_embed, tts_eos_embed, tts_pad_embed = m.talker.text_projection(
                m.talker.get_text_embeddings()(torch.tensor([[0, 1, 2]], device=m.talker.device))
            ).chunk(3, dim=1)
            codec_input_emebdding_0 = m.talker.get_input_embeddings()(
                torch.tensor([[m.codec_pad_id, m.codec_bos_id]], device=m.talker.device))
            codec_input_emebdding = torch.cat([speaker_embed.view(1, 1, -1), codec_input_emebdding_0], dim=1)
            talker_input_embed = torch.cat((tts_pad_embed.expand(-1, 2, -1), tts_bos_embed), dim=1) \
                + codec_input_emebdding
            icl_input_embed, trailing_text_hidden = m.generate_icl_prompt(
                text_id=input_id[:, 3:-1],
                ref_id=ref_ids[index][:, 1:-1],
                ref_code=voice_clone_prompt["ref_code"][index].to(m.talker.device),  # error: IPL011
                tts_pad_embed=tts_pad_embed,
                tts_eos_embed=tts_eos_embed,
            )
            talker_input_embeds.append(torch.cat([talker_input_embed, icl_input_embed], dim=1))
        return torch.cat(talker_input_embeds, dim=0)


torch.manual_seed(0)
tts = FasterQwen3TTS(Qwen3TTSModel())
ref_audio = torch.randn(400)
m, tie = tts._prepare_generation("hello there, voice clone", ref_audio, "reference words")
prefill_logits = m.talker.codec_head(tie)
prefill_logits.logsumexp(-1).mean().backward()
