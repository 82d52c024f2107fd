/* SPDX-License-Identifier: MIT */
/*
 * e1000e_regs.h - Intel 82574 GbE controller: the registers, bits and
 * descriptor layouts this driver uses.
 *
 * Source: Intel 82574 GbE Controller Family Datasheet (317694), chapter 10
 * "Programming Interface" (register offsets and bits), chapter 7 "Inline
 * Functions" (legacy receive and transmit descriptors), 4.6 "Software
 * Initialization Sequence".  QEMU's e1000e model (hw/net/e1000e_core.c)
 * implements the subset used here.
 */
#ifndef E1000E_REGS_H
#define E1000E_REGS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* ---- General registers (10.2.2) ---------------------------------------- */
#define E1000E_CTRL 0x00000
#define E1000E_CTRL_FD (1u << 0)                  /* full duplex */
#define E1000E_CTRL_GIO_MASTER_DISABLE (1u << 2)  /* stop issuing master requests */
#define E1000E_CTRL_ASDE (1u << 5)                /* auto-speed detection */
#define E1000E_CTRL_SLU (1u << 6)                 /* set link up */
#define E1000E_CTRL_FRCSPD (1u << 11)
#define E1000E_CTRL_FRCDPX (1u << 12)
#define E1000E_CTRL_RST (1u << 26)                /* software reset, self-clearing */
#define E1000E_CTRL_PHY_RST (1u << 31)

#define E1000E_STATUS 0x00008
#define E1000E_STATUS_FD (1u << 0)
#define E1000E_STATUS_LU (1u << 1)                /* link up */
#define E1000E_STATUS_SPEED_SHIFT 6               /* 00: 10, 01: 100, 1x: 1000 Mb/s */
#define E1000E_STATUS_GIO_MASTER_ENABLE (1u << 19)

#define E1000E_EERD 0x00014                       /* EEPROM read (10.2.2.5) */
#define E1000E_EERD_START (1u << 0)
#define E1000E_EERD_DONE (1u << 1)
#define E1000E_EERD_ADDR_SHIFT 2
#define E1000E_EERD_DATA_SHIFT 16

/* ---- Interrupts (10.2.4): this driver polls, so it masks them all ------- */
#define E1000E_ICR 0x000c0
#define E1000E_IMC 0x000d8

/* ---- Receive (10.2.5) ---------------------------------------------------- */
#define E1000E_RCTL 0x00100
#define E1000E_RCTL_EN (1u << 1)
#define E1000E_RCTL_UPE (1u << 3)                 /* unicast promiscuous */
#define E1000E_RCTL_MPE (1u << 4)                 /* multicast promiscuous */
#define E1000E_RCTL_LPE (1u << 5)                 /* long packets */
#define E1000E_RCTL_RDMTS_HALF (0u << 8)
#define E1000E_RCTL_DTYP_MASK (3u << 10)          /* 00: legacy descriptors */
#define E1000E_RCTL_BAM (1u << 15)                /* accept broadcast */
#define E1000E_RCTL_BSIZE_SHIFT 16                /* with BSEX=0: 00 2048, 01 1024, 10 512, 11 256 */
#define E1000E_RCTL_BSEX (1u << 25)               /* x16: 01 16384, 10 8192, 11 4096 */
#define E1000E_RCTL_SECRC (1u << 26)              /* strip the Ethernet CRC */

#define E1000E_RFCTL 0x05008
#define E1000E_RFCTL_EXTEN (1u << 15)             /* extended descriptors: must stay 0 */

#define E1000E_RDBAL 0x02800
#define E1000E_RDBAH 0x02804
#define E1000E_RDLEN 0x02808                      /* bytes, a multiple of 128 */
#define E1000E_RDH 0x02810
#define E1000E_RDT 0x02818
#define E1000E_RDTR 0x02820                       /* RX interrupt delay: 0 */

#define E1000E_MTA 0x05200                        /* multicast table: 128 registers */
#define E1000E_MTA_NUM 128
#define E1000E_RAL0 0x05400
#define E1000E_RAH0 0x05404
#define E1000E_RAH_AV (1u << 31)                  /* address valid */

/* ---- Transmit (10.2.6) --------------------------------------------------- */
#define E1000E_TCTL 0x00400
#define E1000E_TCTL_EN (1u << 1)
#define E1000E_TCTL_PSP (1u << 3)                 /* pad short packets */
#define E1000E_TCTL_CT_SHIFT 4                    /* collision threshold: 0x0f */
#define E1000E_TCTL_COLD_SHIFT 12                 /* collision distance: 0x3f full duplex */
#define E1000E_TCTL_RTLC (1u << 24)

#define E1000E_TIPG 0x00410
#define E1000E_TIPG_DEFAULT (8u | 8u << 10 | 6u << 20)  /* IPGT 8, IPGR1 8, IPGR2 6 */

#define E1000E_TDBAL 0x03800
#define E1000E_TDBAH 0x03804
#define E1000E_TDLEN 0x03808
#define E1000E_TDH 0x03810
#define E1000E_TDT 0x03818
#define E1000E_TIDV 0x03820
#define E1000E_TXDCTL 0x03828
#define E1000E_TXDCTL_GRAN (1u << 24)             /* thresholds count descriptors */
#define E1000E_TXDCTL_COUNT_DESC (1u << 22)       /* "must be 1" per 10.2.6.8 */
#define E1000E_TARC0 0x03840
#define E1000E_TARC_ENABLE (1u << 10)             /* queue 0 may transmit */

/* ---- Statistics (10.2.7): clear on read --------------------------------- */
#define E1000E_CRCERRS 0x04000
#define E1000E_ALGNERRC 0x04004
#define E1000E_RXERRC 0x0400c
#define E1000E_MPC 0x04010                        /* missed: no room in the packet buffer */
#define E1000E_GPRC 0x04074                       /* good packets received */
#define E1000E_GPTC 0x04080                       /* good packets transmitted */
#define E1000E_GORCL 0x04088                      /* good octets received, low then high */
#define E1000E_GORCH 0x0408c
#define E1000E_GOTCL 0x04090
#define E1000E_GOTCH 0x04094
#define E1000E_RNBC 0x040a0                       /* receive: no descriptors */
#define E1000E_RUC 0x040a4
#define E1000E_ROC 0x040ac
#define E1000E_TPR 0x040d0
#define E1000E_TPT 0x040d4

#define E1000E_BAR0_MIN_SIZE 0x20000              /* 128 KiB of MMIO */

/* ---- Legacy receive descriptor (7.1.4) ----------------------------------- */
struct e1000e_rx_desc {
	uint64_t addr;       /* buffer address (written by software) */
	uint16_t length;     /* bytes written to the buffer (written back) */
	uint16_t csum;       /* packet checksum */
	uint8_t status;
	uint8_t errors;
	uint16_t special;    /* VLAN tag */
};
static_assert(sizeof(struct e1000e_rx_desc) == 16, "82574 legacy RX descriptor is 16 bytes");
static_assert(offsetof(struct e1000e_rx_desc, length) == 8, "length at byte 8");
static_assert(offsetof(struct e1000e_rx_desc, status) == 12, "status at byte 12");
static_assert(offsetof(struct e1000e_rx_desc, errors) == 13, "errors at byte 13");

#define E1000E_RXD_STAT_DD (1u << 0)              /* descriptor done */
#define E1000E_RXD_STAT_EOP (1u << 1)             /* end of packet */
#define E1000E_RXD_STAT_IXSM (1u << 2)            /* ignore checksum indications */
#define E1000E_RXD_STAT_TCPCS (1u << 5)           /* TCP/UDP checksum computed */
#define E1000E_RXD_ERR_CE (1u << 0)               /* CRC or alignment error */
#define E1000E_RXD_ERR_SE (1u << 1)               /* symbol error */
#define E1000E_RXD_ERR_SEQ (1u << 2)
#define E1000E_RXD_ERR_CXE (1u << 4)              /* carrier extension error */
#define E1000E_RXD_ERR_TCPE (1u << 5)             /* TCP/UDP checksum error */
#define E1000E_RXD_ERR_IPE (1u << 6)
#define E1000E_RXD_ERR_RXE (1u << 7)              /* RX data error */
#define E1000E_RXD_ERR_FRAME (E1000E_RXD_ERR_CE | E1000E_RXD_ERR_SE | E1000E_RXD_ERR_SEQ | \
			      E1000E_RXD_ERR_CXE | E1000E_RXD_ERR_RXE)

/* ---- Legacy transmit descriptor (7.2.10.1) ------------------------------- */
struct e1000e_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;      /* DD written back when cmd has RS */
	uint8_t css;
	uint16_t special;
};
static_assert(sizeof(struct e1000e_tx_desc) == 16, "82574 legacy TX descriptor is 16 bytes");
static_assert(offsetof(struct e1000e_tx_desc, cmd) == 11, "command at byte 11");
static_assert(offsetof(struct e1000e_tx_desc, status) == 12, "status at byte 12");

#define E1000E_TXD_CMD_EOP (1u << 0)
#define E1000E_TXD_CMD_IFCS (1u << 1)             /* insert the FCS */
#define E1000E_TXD_CMD_RS (1u << 3)               /* report status (DD) */
#define E1000E_TXD_STAT_DD (1u << 0)
#define E1000E_TX_MAX_LEN 16288                   /* per legacy descriptor (7.2.10.1) */

#define E1000E_RING_ALIGN 128                     /* RDLEN/TDLEN granularity */

#endif /* E1000E_REGS_H */
