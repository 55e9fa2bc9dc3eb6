# case: stable-style-transformer-aed-step-before-generated-sentence-loss-backward
# source: https://github.com/rungjoo/Stable-Style-Transformer/issues/1
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# Stable-Style-Transformer (text style transfer), generation_model/yelp/train.py, "Step 2: Train generator". Each
# sentence goes through genmodel.encoder/decoder once; vocab_out (the (len, batch, n_vocab) logits of matrix_D) feeds
# two losses. The reconstruction loss is backpropagated with retain_graph=True and aed_trainer.step() updates
# genmodel.aed_params -- which include matrix_D and the decoder -- before the style-classifier loss on the same
# vocab_out (dismodel.gen_discriminator) is backpropagated through the retained graph. matmul saved matrix_D.weight (the
# issue's "[256, 50259], output 0 of TBackward / AsStridedBackward0, is at version 2; expected version 1"), and Adamax
# rewrote it in place. Kept: styletransfer (encoder, decoder, recon_loss, cls_loss, positional encoding, the
# parameter lists), findattribute.gen_discriminator (soft embedding of the logits, n-gram convolutions, max-over-time
# pooling), the two Adamax optimizers over genmodel.aed_params and the loop body. Reduced: CPU (.cuda() dropped,
# gpu=False), a 40-token vocabulary and small dims instead of GPT-2's 50259 tokens, 1 layer and 2 heads, random token
# ids instead of the GPT-2 tokenizer and Yelp sentences, the delete step (dismodel.att_prob) replaced by dropping the
# first token, no tensorboard; enable_nested_tensor=False is passed to nn.TransformerEncoder so torch does not warn.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super(PositionalEncoding, self).__init__()
        self.dropout = nn.Dropout(p=dropout)

        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)


class styletransfer(nn.Module):
    def __init__(self, drop_rate=0, gpu = False):
        super(styletransfer, self).__init__()
        self.gpu = gpu

        """hyper parameters"""
        self.n_vocab = 40
        self.emb_dim = 16
        self.nhead = 2
        self.num_layers = 1

        """idx & length"""
        self.START_IDX = 38
        self.PAD_IDX = 39
        self.EOS_IDX = 37
        self.MAX_SENT_LEN = 10

        """attribute matrix"""
        ## one_hot encoding
        self.att_num = 2
        self.matrix_A = nn.Linear(self.att_num, self.emb_dim)

        """word embedding"""
        self.emb_matrix = nn.Embedding(self.n_vocab, self.emb_dim, self.PAD_IDX)

        """Position embedding"""
        self.pos_encoder = PositionalEncoding(self.emb_dim)

        """Encoder"""
        self.encoder_layer = nn.TransformerEncoderLayer(d_model=self.emb_dim, nhead=self.nhead, dim_feedforward=32)
        self.transformer_encoder = nn.TransformerEncoder(self.encoder_layer, num_layers=self.num_layers, enable_nested_tensor=False)

        """Decoder"""
        self.decoder_layer = nn.TransformerDecoderLayer(d_model=self.emb_dim, nhead=self.nhead, dim_feedforward=32)
        self.transformer_decoder = nn.TransformerDecoder(self.decoder_layer, num_layers=self.num_layers)
        self.matrix_D = nn.Linear(self.emb_dim, self.n_vocab) # emb_dim -> n_vocab

        """parameters"""
        self.enc_params = list(self.encoder_layer.parameters())+list(self.transformer_encoder.parameters())
        self.dec_params = list(self.decoder_layer.parameters())+list(self.transformer_decoder.parameters())+list(self.matrix_D.parameters())
        self.aed_params = list(self.emb_matrix.parameters())+self.enc_params+self.dec_params

    """Modeling"""
    def encoder(self, enc_input):
        word_emb = self.emb_matrix(enc_input) # (batch, enc_len, emb_dim)
        word_emb = word_emb.transpose(0, 1) # (enc_len, batch, emb_dim)
        word_pos = self.pos_encoder(word_emb) # (enc_len, batch, emb_dim)
        out_enc = self.transformer_encoder(word_pos) # (enc_len, batch, emb_dim)

        return out_enc

    def decoder(self, enc_out, dec_input, attribute):
        att_emb = self.matrix_A(attribute).unsqueeze(0) # (1. batch, emb_dim)

        word_emb = self.emb_matrix(dec_input) # (batch, dec_len, emb_dim)
        word_emb = word_emb.transpose(0, 1) # (dec_len, batch, emb_dim)
        word_pos = self.pos_encoder(word_emb) # (dec_len, batch, emb_dim)

        start_token = self.emb_matrix(torch.tensor(self.START_IDX)) # (emb_dim)
        start_token = start_token.repeat(1, dec_input.shape[0], 1) # (1, batch, emb_dim)
        style_dec_input = torch.cat([att_emb, start_token, word_pos], 0) # (dec_len+2, batch, emb_dim) w/ [att], [start]

        tgt_mask = self.generate_square_subsequent_mask(style_dec_input.shape[0]) # (dec_len+2, dec_len+2)

        dec_out = self.transformer_decoder(style_dec_input, enc_out, tgt_mask=tgt_mask) # (dec_len+2, batch, emb_dim)
        vocab_out = self.matrix_D(dec_out) # (dec_len+2, batch, n_vocab)
        return dec_out, vocab_out

    def generate_square_subsequent_mask(self,sz): # len(sz)
        mask = (torch.triu(torch.ones(sz, sz)) == 1).transpose(0, 1)
        mask = mask.float().masked_fill(mask == 0, float('-inf')).masked_fill(mask == 1, float(0.0))
        return mask

    """calculation loss"""
    def recon_loss(self, dec_input, vocab_out):
        end_token = torch.tensor(self.EOS_IDX) # (1)
        end_token = end_token.repeat(dec_input.shape[0], 1) # (batch, 1)
        target_tokens = torch.cat([dec_input, end_token], 1) # (batch, dec_len+1) w/ [EOS]

        pred_out = vocab_out[1:,:,:] # (dec_len+1, batch, n_vocab)
        pred_out = pred_out.permute(1,0,2) # (batch, dec_len+1, n_vocab)

        target_tokens = target_tokens.contiguous() # (batch, dec_len+1)
        pred_out = pred_out.contiguous() # (batch, dec_len+1, n_vocab)

        target_tokens = target_tokens.view(-1) # (batch*(dec_len+1))
        pred_out = pred_out.view(-1, pred_out.shape[2]) # (batch*(seq_len+1), n_vocab)

        recon_loss = F.cross_entropy(pred_out, target_tokens)

        return recon_loss

    def cls_loss(self, attributes, cls_out):
        targets = attributes.argmax(1) # (batch)
        cls_loss = F.cross_entropy(cls_out, targets)

        if self.gpu == True:
            return cls_loss.cuda()
        else:
            return cls_loss


class findattribute(nn.Module):
    def __init__(self, drop_rate=0, gpu = False):
        super(findattribute, self).__init__()
        self.gpu = gpu

        self.n_vocab = 40
        self.PAD_IDX = 39

        """Discriminator(classifier)"""
        self.word_dim = 16
        self.word_emb = nn.Embedding(self.n_vocab, self.word_dim, self.PAD_IDX)

        self.channel_out = 4
        self.conv2d_2 = nn.Conv2d(1,self.channel_out,(2,self.word_dim))
        self.conv2d_3 = nn.Conv2d(1,self.channel_out,(3,self.word_dim))
        self.conv2d_4 = nn.Conv2d(1,self.channel_out,(4,self.word_dim))
        self.conv2d_5 = nn.Conv2d(1,self.channel_out,(5,self.word_dim))
        self.disc_fc = nn.Linear(4*self.channel_out, 2)

    def gen_discriminator(self, gen_out):
        """
        gen_out: (gen_len+2, batch, n_vocab)
        """
        gen_emb = gen_out[1:-1,:,:] # (gen_len, batch, n_vocab)
        gen_emb = torch.bmm(gen_emb, self.word_emb.weight.repeat(gen_emb.shape[0],1,1))
        # (gen_len, batch, emb_dim) = (gen_len, batch, n_vocab) x (gen_len, n_vocab, emb_dim)
        gen_emb = gen_emb.transpose(0, 1) # (batch, gen_len, word_dim)

        word_2d = gen_emb.unsqueeze(1) # (batch, 1, seq_len, word_dim)

        x2 = F.relu(self.conv2d_2(word_2d)).squeeze(3) # bi-gram, (batch, channel_out, seq_len-1)
        x3 = F.relu(self.conv2d_3(word_2d)).squeeze(3) # 3-gram, (batch, channel_out, seq_len-2)
        x4 = F.relu(self.conv2d_4(word_2d)).squeeze(3) # 4-gram, (batch, channel_out, seq_len-3)
        x5 = F.relu(self.conv2d_5(word_2d)).squeeze(3) # 5-gram, (batch, channel_out, seq_len-4)

        # Max-over-time-pool
        x2 = F.max_pool1d(x2, x2.size(2)).squeeze(2) # (batch, channel_out)
        x3 = F.max_pool1d(x3, x3.size(2)).squeeze(2) # (batch, channel_out)
        x4 = F.max_pool1d(x4, x4.size(2)).squeeze(2) # (batch, channel_out)
        x5 = F.max_pool1d(x5, x5.size(2)).squeeze(2) # (batch, channel_out)
        x = torch.cat([x2, x3, x4, x5], dim=1) # (batch, channel_out*4)

        y = self.disc_fc(x) # (batch, 2)

        if self.gpu == True:
            return y.cuda()
        else:
            return y


torch.manual_seed(0)
genmodel = styletransfer()
genmodel.train()
dismodel = findattribute()
dismodel.eval()

aed_initial_lr = 0.00001
gen_initial_lr = 0.001
aed_trainer = optim.Adamax(genmodel.aed_params, lr=aed_initial_lr) # initial 0.0005
gen_trainer = optim.Adamax(genmodel.aed_params, lr=gen_initial_lr) # initial 0.0001
max_grad_norm = 20

neg_attribute = torch.tensor([[1., 0.]])
pos_attribute = torch.tensor([[0., 1.]])
sentences = [torch.randint(0, 37, (1, 8)), torch.randint(0, 37, (1, 8))]
attributes = [neg_attribute, pos_attribute]

"""data input"""
for i in range(2):
    # k=0: negative, k=1: positive
    token_idx = sentences[i]
    attribute = attributes[i] # for decoder

    del_idx = token_idx[:, 1:]  # delete model (dismodel.att_prob) reduced

    """auto-encoder loss & traning"""
    # training using discriminator loss
    enc_out = genmodel.encoder(del_idx)
    dec_out, vocab_out = genmodel.decoder(enc_out, token_idx, attribute)

    ## calculation loss
    recon_loss = genmodel.recon_loss(token_idx, vocab_out)

    aed_trainer.zero_grad()
    recon_loss.backward(retain_graph=True) # retain_graph=True
    grad_norm = torch.nn.utils.clip_grad_norm_(genmodel.aed_params, max_grad_norm)
    aed_trainer.step()  # error: IPL003

    """decoder classification loss & training"""
    ## calculation loss
    gen_cls_out = dismodel.gen_discriminator(vocab_out)

    ## calculation loss
    gen_cls_loss = genmodel.cls_loss(attribute, gen_cls_out)

    gen_trainer.zero_grad()
    gen_cls_loss.backward() # retain_graph=True
    grad_norm = torch.nn.utils.clip_grad_norm_(genmodel.aed_params, max_grad_norm)
    gen_trainer.step()
