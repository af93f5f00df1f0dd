# photoframe — see README.md. Every target that runs something does its own setup first.
SHELL := /bin/bash
STATE ?= $(CURDIR)/.state
NODE_TSX := node --import tsx
PHOTOFRAME := node bin/photoframe.mjs

.PHONY: setup demo test typecheck unit bench etcd cluster console deploy pi-check docs clean help

help:
	@echo "make demo    set up, then run etcd + sample album + image server + viewer + console"
	@echo "make test    set up, then type-check and run the whole test suite"
	@echo "make bench   set up, then run the benchmarks in bench/"
	@echo "make etcd    run a local etcd on 127.0.0.1:2379 with data in $(STATE)/etcd"
	@echo "make cluster run a 3-member etcd cluster on 127.0.0.1:2379,2381,2383 (MEMBERS=5 for five; docs/cluster.md)"
	@echo "make deploy PI=\"host...\" [ID=display-id] [ETCD=url | BUNDLE=enrollment-folder] [HOSTS=file] [SSH_CONFIG=file]"
	@echo "              install or update the viewer on Raspberry Pis over SSH, in parallel (docs/raspberry-pi.md)"
	@echo "make pi-check deploy to an emulated arm64 Raspberry Pi OS and show a photo there (slow; not part of make test)"

setup:
	@scripts/setup.sh

demo: setup
	@$(PHOTOFRAME) demo --home $(STATE)/demo

typecheck: setup
	npx tsc --noEmit

test: setup typecheck
	@scripts/run-tests.sh

bench: setup
	@$(NODE_TSX) bench/run.ts

etcd: setup
	@$(PHOTOFRAME) etcd --home $(STATE)

MEMBERS ?= 3
cluster: setup
	@$(PHOTOFRAME) etcd --members $(MEMBERS) --home $(STATE)

console: setup
	@$(PHOTOFRAME) console --home $(STATE)

docs: setup
	@$(NODE_TSX) scripts/render-protocol-doc.ts

deploy: setup
	@$(NODE_TSX) deploy/deployPis.ts --pi "$(PI)" --hosts "$(HOSTS)" --id "$(ID)" --etcd "$(ETCD)" --bundle "$(BUNDLE)" --ssh-config "$(SSH_CONFIG)" --state "$(STATE)"

pi-check: setup
	@SDL_BUILD=$(SDL_BUILD) scripts/pi-check.sh

clean:
	rm -rf $(STATE)
