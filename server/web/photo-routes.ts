/**
 * GET /photos/{hash}: a harvest photo by the keccak256 of its bytes, the hash the harvest put on
 * chain. Public, as the harvest's page is; a photo never changes under its hash, so it is cached
 * for good.
 */
import express, { type Router } from "express";
import type { PhotoRepository } from "../store/photo-repository";
import { webNotFound } from "../html/not-found-page";

const HASH = /^0x[0-9a-fA-F]{64}$/;

export function photoRoutes(photos: PhotoRepository): Router {
  const router = express.Router();
  router.get("/photos/:hash", (req, res) => {
    const photo = HASH.test(req.params.hash) ? photos.get(req.params.hash) : undefined;
    if (!photo) return webNotFound(req, res);
    res.set("Cache-Control", "public, max-age=31536000, immutable").type(photo.contentType).send(photo.bytes);
  });
  return router;
}
